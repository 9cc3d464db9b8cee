import path from 'node:path';

/** The project root, whether running from source (`shared/`) or compiled (`dist/shared/`). */
export const projectRoot = path.basename(path.resolve(__dirname, '..')) === 'dist'
  ? path.resolve(__dirname, '..', '..')
  : path.resolve(__dirname, '..');

