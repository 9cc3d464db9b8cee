import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { provisionDevPki, type DevPki } from '../../../../scripts/stack/dev-pki';
import { identityOf, PROCESS_SPECS } from '../../../../scripts/stack/process-spec';

/** The SAN entries of a PEM certificate, as `type:value`. */
function sansOf(file: string): string[] {
  const cert = new x509.X509Certificate(fs.readFileSync(file, 'utf8'));
  return cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => `${n.type}:${n.value}`);
}

/** One mutual-TLS handshake, `client` dialling `server` at 127.0.0.1; resolves with what the server saw. */
async function handshake(serverPki: DevPki, server: string, clientPki: DevPki, client: string): Promise<{ authorized: boolean; san?: string }> {
  const read = (pki: DevPki, id: string) => {
    const f = pki.filesOf(id);
    return { ca: fs.readFileSync(f.ca), cert: fs.readFileSync(f.cert), key: fs.readFileSync(f.key) };
  };
  const s = read(serverPki, server);
  const c = read(clientPki, client);
  const listener = tls.createServer({ ...s, requestCert: true, rejectUnauthorized: false });
  const seen = new Promise<{ authorized: boolean; san?: string }>((resolve) =>
    listener.on('secureConnection', (socket) => {
      resolve({ authorized: socket.authorized, san: socket.getPeerCertificate().subjectaltname });
      socket.end();
    }),
  );
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ...c, servername: 'localhost' }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', reject);
    });
    return await seen;
  } finally {
    listener.close();
  }
}

describe('development PKI (scripts/stack/dev-pki.ts)', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-pki-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a CA and one certificate per process, naming its SPIFFE ID and the local names; keys private', async () => {
    const identities = PROCESS_SPECS.map((s) => identityOf(s.name));
    expect(identities).to.include.members(['gateway', 'user-service', 'auth-service']);
    const pki = await provisionDevPki(dir, { identities });
    for (const id of identities) {
      const files = pki.filesOf(id);
      expect(sansOf(files.cert)).to.deep.equal([`url:spiffe://traced-grpc-microservices/${id}`, `dns:${id}`, 'dns:localhost', 'ip:127.0.0.1', 'ip:::1']);
      expect(fs.statSync(files.key).mode & 0o077, `${id}.key is readable by others`).to.equal(0);
      expect(pki.envOf(id)).to.deep.equal({ GRPC_TLS_CA: files.ca, GRPC_TLS_CERT: files.cert, GRPC_TLS_KEY: files.key });
    }
    expect(fs.statSync(path.join(dir, 'ca.key')).mode & 0o077).to.equal(0);
  });

  it('reuses what is valid and remakes what is not (another CA, a missing name)', async () => {
    await provisionDevPki(dir, { identities: ['gateway', 'user-service'] });
    const before = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    await provisionDevPki(dir, { identities: ['gateway', 'user-service'] });
    for (const [file, content] of Object.entries(before)) expect(fs.readFileSync(path.join(dir, file), 'utf8'), file).to.equal(content);

    // A certificate from elsewhere is replaced; the other one stays.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-pki-other-'));
    try {
      const other = await provisionDevPki(elsewhere, { identities: ['gateway'], caName: 'other CA' });
      fs.copyFileSync(other.filesOf('gateway').cert, path.join(dir, 'gateway.crt'));
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    await provisionDevPki(dir, { identities: ['gateway', 'user-service'], hostNames: ['localhost', '127.0.0.1', 'user.internal'] });
    expect(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8')).to.equal(before['ca.crt']);
    expect(sansOf(path.join(dir, 'gateway.crt'))).to.include('dns:user.internal');
    expect(sansOf(path.join(dir, 'user-service.crt'))).to.include('dns:user.internal');
    expect(fs.readFileSync(path.join(dir, 'gateway.key'), 'utf8')).to.not.equal(before['gateway.key']);
  });

  it('its certificates do a mutual-TLS handshake; a stranger CA\'s do not', async () => {
    const pki = await provisionDevPki(dir, { identities: ['gateway', 'user-service'] });
    const seen = await handshake(pki, 'user-service', pki, 'gateway');
    expect(seen.authorized).to.equal(true);
    expect(seen.san).to.contain('URI:spiffe://traced-grpc-microservices/gateway');

    const strangerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-pki-stranger-'));
    try {
      const stranger = await provisionDevPki(strangerDir, { identities: ['gateway'], caName: 'stranger CA' });
      // The client refuses the server (unknown CA) before anything is sent.
      const refused = await handshake(pki, 'user-service', stranger, 'gateway').then(() => 'connected', (err: Error) => err.message);
      expect(refused).to.match(/self-signed|unable to verify|certificate/i);
    } finally {
      fs.rmSync(strangerDir, { recursive: true, force: true });
    }
  });
});
