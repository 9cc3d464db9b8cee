// What happens to tracing when the backend misbehaves, and at shutdown.
import fs from 'node:fs';
import { expect } from 'chai';
import { registerAccount, type Account } from '../support/accounts';
import { get } from '../support/http';
import { startJaeger, type TestJaeger } from '../support/jaeger';
import { startStack, sleep, type Stack } from '../support/stack';
import { traceIdOf } from '../support/trace-shape';
import type { ProcessName } from '../../scripts/stack/process-spec';

/** Resident set size of a process in MiB, from /proc. */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

const SERVICES: ProcessName[] = ['gateway', 'user', 'auth'];

describe('tracing when Jaeger is down, restarted, and at shutdown', function () {
  this.timeout(180_000);
  let jaeger: TestJaeger;
  let stack: Stack;
  let alice: Account;

  before(async () => {
    jaeger = await startJaeger();
    stack = await startStack({ env: { ...jaeger.envFor('otlp'), OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_BSP_EXPORT_TIMEOUT: '2000' } });
    alice = await registerAccount(stack.gatewayUrl);
  });

  after(async () => {
    await stack?.stop();
    await jaeger?.stop();
  });

  it('Jaeger stopped: requests keep succeeding and memory stays bounded; restarted: new traces arrive', async () => {
    await jaeger.stop();
    const url = `${stack.gatewayUrl}/api/v1/users/${alice.id}`;
    // Warm up, then measure: 1500 requests x 9 spans is far more than one batch queue (2048).
    for (let i = 0; i < 100; i++) expect((await get(url, { token: alice.accessToken })).status).to.equal(200);
    const before = Object.fromEntries(SERVICES.map((n) => [n, rssMiB(stack.processes[n].pid!)]));
    let ok = 0;
    for (let batch = 0; batch < 75; batch++) {
      const results = await Promise.all(Array.from({ length: 20 }, () => get(url, { token: alice.accessToken })));
      ok += results.filter((r) => r.status === 200).length;
    }
    expect(ok).to.equal(1500);
    for (const name of SERVICES) {
      const after = rssMiB(stack.processes[name].pid!);
      expect(after, `${name} RSS MiB`).to.be.lessThan(200);
      expect(after - before[name]!, `${name} RSS growth MiB`).to.be.lessThan(60);
    }

    await jaeger.start();
    // The exporter reconnects by itself: a fresh request's trace shows up without any restart.
    const deadline = Date.now() + 20_000;
    let found = 0;
    while (Date.now() < deadline && found < 9) {
      const res = await get(url, { token: alice.accessToken });
      found = (await jaeger.getTrace(traceIdOf(res.headers), (s) => s.length >= 9, 3000)).length;
    }
    expect(found, 'spans of a request made after Jaeger came back').to.be.at.least(9);
  });

  it('SIGTERM: spans of requests finished before it are flushed to Jaeger on shutdown', async () => {
    const local = await startStack({
      // A one-minute batch delay: nothing is exported unless shutdown flushes it.
      env: { ...jaeger.envFor('otlp'), OTEL_BSP_SCHEDULE_DELAY: '60000' },
    });
    let traceId: string;
    try {
      const bob = await registerAccount(local.gatewayUrl);
      const res = await get(`${local.gatewayUrl}/api/v1/users/${bob.id}`, { token: bob.accessToken });
      expect(res.status).to.equal(200);
      traceId = traceIdOf(res.headers);
      await sleep(500);
      expect(await jaeger.getTrace(traceId, () => true), 'nothing exported before shutdown').to.deep.equal([]);
    } finally {
      await local.stop();
    }
    for (const name of SERVICES) {
      expect(local.logs(name).some((l) => l.includes('"telemetry stats"')), `${name} flushed at shutdown`).to.equal(true);
    }
    const spans = await jaeger.getTrace(traceId, (s) => new Set(s.map((x) => x.service)).size === 3, 10_000);
    expect([...new Set(spans.map((s) => s.service))].sort()).to.deep.equal(['auth-service', 'gateway', 'user-service']);
  });
});
