// `node dist/scripts/pki.js [dir]`: the development PKI npm start makes (a CA and one certificate
// per process, scripts/stack/dev-pki.ts), into `dir` (default .data/pki), reused while valid.
// docker-compose.yml runs it once into a shared volume before the services start.
import path from 'node:path';
import { DEV_PKI_DIR } from '../shared/config/grpc-tls';
import { provisionStackPki } from './stack/dev-pki-hook';

const dir = process.argv[2] ? path.resolve(process.argv[2]) : DEV_PKI_DIR;
provisionStackPki(dir).then(
  (pki) => process.stdout.write(`certificates in ${pki.dir}\n`),
  (err: unknown) => {
    process.stderr.write(`pki: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
