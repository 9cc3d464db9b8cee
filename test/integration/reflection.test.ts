// Server reflection is what lets grpcurl and ghz call the services without proto files.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ghzTlsFlags } from '../../bench/ghz-load';
import { ghzBinary } from '../../scripts/stack/go-tools';
import { testPki } from '../support/pki';
import { registerAccount } from '../support/accounts';
import { useStack } from '../support/stack';

const run = promisify(execFile);

interface GhzReport {
  count: number;
  statusCodeDistribution: Record<string, number>;
}

async function ghzCall(address: string, call: string, data: unknown, token: string): Promise<GhzReport> {
  // Mutual TLS as the gateway, which may call both RPCs used here.
  const tls = ghzTlsFlags((await testPki()).filesOf('gateway'));
  const { stdout } = await run(ghzBinary, [...tls, '--call', call, '-d', JSON.stringify(data), '-m', JSON.stringify({ authorization: `Bearer ${token}` }), '-n', '20', '-c', '2', '-O', 'json', address], { timeout: 30_000 });
  return JSON.parse(stdout) as GhzReport;
}

describe('gRPC server reflection (ghz without proto files)', function () {
  this.timeout(60_000);
  const stack = useStack();

  it('resolves user.v1.UserService, including the auth.v1 message it imports', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const report = await ghzCall(stack().userAddr, 'user.v1.UserService/GetUser', { id: who.id }, who.accessToken);
    expect(report.statusCodeDistribution).to.deep.equal({ OK: 20 });
  });

  it('resolves auth.v1.AuthService', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const report = await ghzCall(stack().authAddr, 'auth.v1.AuthService/ValidateToken', {}, who.accessToken);
    expect(report.statusCodeDistribution).to.deep.equal({ OK: 20 });
  });
});
