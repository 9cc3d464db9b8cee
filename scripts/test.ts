// `npm test [-- <test file or folder...>] [-- mocha flags]`: the whole suite as .mocharc.json says,
// or only the files named, with the same root hooks (the secrets audit, the shared Jaeger, the
// PostgreSQL cluster), reporter and timeouts. Runs after `npm run build`, so a test is named by its
// source (`test/integration/launcher.test.ts`) and runs from dist/ as JavaScript.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../shared/paths';

/**
 * Set (to `1`) in mocha's environment when only named files run: the closing secrets audit then
 * skips its floors for a whole suite's traffic (test/support/secrets-audit.ts), as under --grep.
 */
export const NAMED_FILES_ONLY_ENV = 'TEST_NAMED_FILES_ONLY';

/** The subset of .mocharc.json this runner reads: every key is a mocha flag, `spec` the files. */
export type MochaRc = Record<string, string | number | boolean | string[]>;

/** A named test the build did not produce, or a path that is not under test/ or dist/test/. */
export class TestPathError extends Error {}

/**
 * The compiled spec(s) for one path the user gave, relative to the project root: a `.ts` file
 * under test/ becomes its `.js` under dist/test/, a folder every `*.test.js` below it in dist/;
 * a path already under dist/test/ is kept. `isDir` tells a folder from a file.
 */
export function compiledSpec(relPath: string, isDir: (p: string) => boolean): string {
  const p = relPath.split(path.sep).join('/').replace(/\/+$/, '');
  const inDist = p.startsWith('dist/test/') || p === 'dist/test';
  if (!inDist && !(p.startsWith('test/') || p === 'test')) {
    throw new TestPathError(`${relPath}: not a test (tests live under test/)`);
  }
  const dist = inDist ? p : `dist/${p}`;
  if (isDir(p) || isDir(dist)) return `${dist}/**/*.test.js`;
  if (dist.endsWith('.ts')) return `${dist.slice(0, -'.ts'.length)}.js`;
  return dist;
}

/** Whether a command-line word names a test file or folder (rather than a mocha flag or its value). */
export function looksLikeTestPath(word: string): boolean {
  return !word.startsWith('-') && /(^|\/)(dist\/)?test(\/|$)|\.test\.(ts|js)$/.test(word);
}

/**
 * mocha's arguments for this runner's. Without a test path: the arguments unchanged, so mocha
 * reads .mocharc.json, spec included (the full suite). With paths: `--no-config` (mocha would add
 * the config's spec to the ones given) and every other key of `mocharc` as a flag, then the
 * remaining flags, then the compiled specs. `cwd` is where relative paths were typed
 * (npm's INIT_CWD), `root` the project root; `exists` and `isDir` look at the file system.
 */
export function mochaArgs(
  args: string[],
  mocharc: MochaRc,
  opts: { cwd: string; root: string; exists: (p: string) => boolean; isDir: (p: string) => boolean },
): string[] {
  const paths = args.filter(looksLikeTestPath);
  if (paths.length === 0) return args;
  const flags = args.filter((a) => !looksLikeTestPath(a));
  const fromConfig = Object.entries(mocharc).flatMap(([key, value]): string[] => {
    if (key === 'spec') return [];
    if (value === true) return [`--${key}`];
    if (value === false) return [`--no-${key}`];
    if (Array.isArray(value)) return value.flatMap((v) => [`--${key}`, v]);
    return [`--${key}`, String(value)];
  });
  const specs = paths.map((p) => {
    // From where it was typed when it is there (`npm test -- x.test.ts` in test/unit/...), else
    // from the root, where npm runs this.
    const typed = path.resolve(opts.cwd, p);
    const rel = path.relative(opts.root, opts.exists(typed) ? typed : path.resolve(opts.root, p));
    return compiledSpec(rel, (q) => opts.isDir(path.join(opts.root, q)));
  });
  return ['--no-config', ...fromConfig, ...flags, ...specs];
}

/** Runs mocha with {@link mochaArgs} of the command line, exiting as it exits. */
function main(): void {
  const mocharc = JSON.parse(fs.readFileSync(path.join(projectRoot, '.mocharc.json'), 'utf8')) as MochaRc;
  const isDir = (p: string) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const exists = (p: string) => fs.existsSync(p);
  let args: string[];
  try {
    args = mochaArgs(process.argv.slice(2), mocharc, { cwd: process.env.INIT_CWD || process.cwd(), root: projectRoot, exists, isDir });
  } catch (err) {
    if (!(err instanceof TestPathError)) throw err;
    process.stderr.write(`npm test: ${err.message}\n`);
    process.exit(2);
  }
  // A file named but not built (a typo, or a test the build left out) would make mocha say only
  // "no test files found", without saying which.
  const missing = args.filter((a) => a.startsWith('dist/test/') && !a.includes('*') && !fs.existsSync(path.join(projectRoot, a)));
  if (missing.length > 0) {
    process.stderr.write(`npm test: no such test after the build: ${missing.join(', ')} (from test/...ts: is the name right?)\n`);
    process.exit(2);
  }
  const namedFilesOnly = args[0] === '--no-config' ? { [NAMED_FILES_ONLY_ENV]: '1' } : {};
  const child = spawn(process.execPath, [require.resolve('mocha/bin/mocha.js'), ...args], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, ...namedFilesOnly },
  });
  // Ctrl-C reaches mocha too (same process group); this process only reports how it ended.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    else process.exit(code ?? 1);
  });
}

if (require.main === module) main();
