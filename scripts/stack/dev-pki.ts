// @peculiar/x509 resolves its providers through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { pkiFiles } from '../../shared/config/grpc-tls';
import { spiffeIdOf } from '../../shared/grpc/service-identity';

// A development PKI made with Node's WebCrypto and @peculiar/x509, so no user needs the openssl
// CLI: one CA, and one certificate per process whose SAN URI is its SPIFFE ID
// (shared/grpc/service-identity.ts). `npm start`, the tests, the bench and compose's init
// container all provision through here. Production certificates come from elsewhere
// (cert-manager in deploy/k8s/).

x509.cryptoProvider.set(globalThis.crypto);

const subtle = crypto.webcrypto.subtle;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_DAYS = 365;
const LEAF_DAYS = 90;
// A certificate this close to its end is made anew rather than reused.
const RENEW_BEFORE_DAYS = 7;

/** Host names and addresses every development certificate holds: how local callers dial a server. */
export const LOCAL_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** A provisioned PKI folder: the CA and one certificate per identity. */
export interface DevPki {
  /** The folder holding `ca.crt`, `ca.key`, `<identity>.crt` and `<identity>.key`. */
  dir: string;
  /** The files of one identity (the CA's certificate, its certificate and key). */
  filesOf(identity: string): { ca: string; cert: string; key: string };
  /** GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY of one identity: what a process's environment gets. */
  envOf(identity: string): Record<'GRPC_TLS_CA' | 'GRPC_TLS_CERT' | 'GRPC_TLS_KEY', string>;
}

/** Options of {@link provisionDevPki}. */
export interface ProvisionOptions {
  /** The identities to give a certificate (`gateway`, `user-service`, ...). */
  identities: readonly string[];
  /**
   * DNS names and addresses in every certificate besides the identity's own name (the TLS server
   * name its clients send, and the name a compose service is dialled by): default {@link LOCAL_NAMES}.
   */
  hostNames?: readonly string[];
  /** The CA's common name; a second PKI (a stranger's, in tests) names itself apart. */
  caName?: string;
}

/**
 * Makes `dir` hold a CA and a certificate per identity, reusing what is there while it is valid
 * (not near its end, signed by this CA, with the wanted names): the first `npm start` makes them,
 * later ones reuse them. Keys are written readable by the owner only.
 */
export async function provisionDevPki(dir: string, options: ProvisionOptions): Promise<DevPki> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caName = options.caName ?? 'traced-grpc-microservices development CA';
  const ca = (await loadCa(dir, caName)) ?? (await createCa(dir, caName));
  for (const identity of options.identities) {
    const names = [identity, ...(options.hostNames ?? LOCAL_NAMES)];
    const files = pkiFiles(dir, identity);
    if (!(await leafIsCurrent(files.cert, ca.cert, identity, names))) await createLeaf(files, ca, identity, names);
  }
  return pkiAt(dir);
}

/** The {@link DevPki} view of a folder provisioned before. */
export function pkiAt(dir: string): DevPki {
  return {
    dir,
    filesOf: (identity) => pkiFiles(dir, identity),
    envOf(identity) {
      const files = pkiFiles(dir, identity);
      return { GRPC_TLS_CA: files.ca, GRPC_TLS_CERT: files.cert, GRPC_TLS_KEY: files.key };
    },
  };
}

interface Ca {
  cert: x509.X509Certificate;
  key: crypto.webcrypto.CryptoKey;
}

const caFiles = (dir: string) => ({ cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') });

/** The CA in `dir` when it is there, whole, named `caName` and not near its end. */
async function loadCa(dir: string, caName: string): Promise<Ca | undefined> {
  const files = caFiles(dir);
  try {
    const cert = new x509.X509Certificate(fs.readFileSync(files.cert, 'utf8'));
    if (cert.subject !== `CN=${caName}` || !current(cert)) return undefined;
    const der = x509.PemConverter.decodeFirst(fs.readFileSync(files.key, 'utf8'));
    const key = await subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
    // The key must be the certificate's: sign something and check it with the certificate's key.
    const probe = new TextEncoder().encode('probe');
    const signature = await subtle.sign(SIGNING, key, probe);
    if (!(await subtle.verify(SIGNING, await cert.publicKey.export(), signature, probe))) return undefined;
    return { cert, key };
  } catch {
    return undefined;
  }
}

async function createCa(dir: string, caName: string): Promise<Ca> {
  const keys = await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${caName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const files = caFiles(dir);
  await writeKey(files.key, keys.privateKey);
  writeAtomically(files.cert, cert.toString('pem'));
  return { cert, key: keys.privateKey };
}

/** Whether the certificate at `file` is signed by `ca`, names `identity` and `names`, and is not near its end. */
async function leafIsCurrent(file: string, ca: x509.X509Certificate, identity: string, names: readonly string[]): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(fs.readFileSync(file, 'utf8'));
    if (!current(cert) || !(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }))) return false;
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const held = new Set(san?.names.items.map((n) => n.value) ?? []);
    return [spiffeIdOf(identity), ...names].every((n) => held.has(n));
  } catch {
    return false;
  }
}

async function createLeaf(files: { cert: string; key: string }, ca: Ca, identity: string, names: readonly string[]): Promise<void> {
  const keys = await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${identity}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + LEAF_DAYS * DAY_MS, ca.cert.notAfter.getTime())),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      // Every process is a server to its callers and a client of what it calls.
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: spiffeIdOf(identity) },
        ...names.map((n) => (isAddress(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  // The key first: a reader never pairs a new certificate with an old key for long.
  await writeKey(files.key, keys.privateKey);
  writeAtomically(files.cert, cert.toString('pem'));
}

const current = (cert: x509.X509Certificate) =>
  cert.notBefore.getTime() <= Date.now() && cert.notAfter.getTime() - Date.now() > RENEW_BEFORE_DAYS * DAY_MS;

const isAddress = (name: string) => /^[\d.]+$/.test(name) || name.includes(':');

/** A positive random serial number (hex, 16 bytes). */
function serial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

async function writeKey(file: string, key: crypto.webcrypto.CryptoKey): Promise<void> {
  const der = await subtle.exportKey('pkcs8', key);
  writeAtomically(file, x509.PemConverter.encode(der, 'PRIVATE KEY'), 0o600);
}

/** Writes through a temporary file and a rename, so a reader sees the old file or the new one. */
function writeAtomically(file: string, content: string, mode = 0o644): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content, { mode });
  fs.renameSync(temp, file);
}
