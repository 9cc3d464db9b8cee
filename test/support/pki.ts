import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROCESS_SPECS, identityOf } from '../../scripts/stack/process-spec';
import { provisionDevPki, type DevPki } from '../../scripts/stack/dev-pki';
import type { ChannelCredentials, ClientOptions } from '@grpc/grpc-js';
import { serverNameOf } from '../../shared/grpc/client';
import { readServiceTls, type ServiceTls } from '../../shared/grpc/tls';

// One PKI per test run (a temp folder, removed at exit), made the way `npm start` makes its own:
// every process of the stack gets its certificate, and every test that serves or dials gRPC
// uses them, so the suite runs with mutual TLS on like everything else.

let pki: Promise<DevPki> | undefined;
const folders: string[] = [];

process.on('exit', () => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new temp folder, removed when the run ends. */
function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

// Children a test spawns (fixtures) find the run's PKI here, so they trust the same CA.
const PKI_DIR_ENV = 'TEST_PKI_DIR';

/** The run's PKI: a CA and a certificate for the identity of every process (process-spec.ts). */
export function testPki(): Promise<DevPki> {
  return (pki ??= (async () => {
    const dir = process.env[PKI_DIR_ENV] ?? tempFolder('pki-');
    const made = await provisionDevPki(dir, { identities: PROCESS_SPECS.map((s) => identityOf(s.name)) });
    process.env[PKI_DIR_ENV] = dir;
    return made;
  })());
}

/** The mutual-TLS identity of `identity` (`gateway`, `user-service`, ...) for a server or client in this process. */
export async function tlsAs(identity: string): Promise<ServiceTls> {
  const files = (await testPki()).filesOf(identity);
  return readServiceTls({ GRPC_TLS_CA: files.ca, GRPC_TLS_CERT: files.cert, GRPC_TLS_KEY: files.key });
}

/**
 * What a raw generated client (`new Client(address, ...dialAs('gateway', 'user-service'))`) needs to
 * call as `identity` a server that must prove `server`, without the project's channel options:
 * the credentials and the TLS server name createClient would use.
 */
export async function dialAs(identity: string, server: string): Promise<[ChannelCredentials, Partial<ClientOptions>]> {
  return [(await tlsAs(identity)).channelTo(server), serverNameOf(server)];
}

/** GRPC_TLS_CA/CERT/KEY of `identity`, for a config loaded in a test. */
export async function tlsEnvOf(identity: string): Promise<Record<string, string>> {
  return (await testPki()).envOf(identity);
}

/**
 * A PKI of another system: its CA is not ours, so a certificate from it names a service of this
 * trust domain and still proves nothing here.
 */
export async function strangerPki(identities: readonly string[]): Promise<DevPki> {
  return provisionDevPki(tempFolder('pki-stranger-'), { identities, caName: 'stranger CA' });
}
