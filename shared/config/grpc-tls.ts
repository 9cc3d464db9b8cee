import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../paths';

/**
 * Where `npm start` (scripts/stack/dev-pki.ts) keeps the development CA and one certificate per
 * process: git-ignored state, made on first start and reused while valid.
 */
export const DEV_PKI_DIR = path.join(projectRoot, '.data', 'pki');

/** The files of one process's identity in a PKI folder: the CA, and the process's certificate and key. */
export function pkiFiles(dir: string, identity: string): { ca: string; cert: string; key: string } {
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, `${identity}.crt`), key: path.join(dir, `${identity}.key`) };
}

const filePath = (fallback: string) => z.string().trim().min(1, 'must be a file path').default(fallback);

/**
 * The config keys of a process's mutual-TLS identity, as file paths (PEM): `GRPC_TLS_CA` (the
 * CA that signs every service of this system; a peer's certificate must chain to it),
 * `GRPC_TLS_CERT` (this process's certificate, whose SAN URI names `identity`, plus the
 * DNS names and addresses its callers dial) and `GRPC_TLS_KEY` (its private key). Every gRPC
 * server and client of the process uses them; there is no plaintext mode. The defaults are where
 * `npm start` provisions the development PKI for `identity` ({@link DEV_PKI_DIR}). shared/grpc/tls.ts reads the files.
 */
export function grpcTlsKeys(identity: string) {
  const dev = pkiFiles(DEV_PKI_DIR, identity);
  return {
    GRPC_TLS_CA: filePath(dev.ca),
    GRPC_TLS_CERT: filePath(dev.cert),
    GRPC_TLS_KEY: filePath(dev.key),
  };
}
