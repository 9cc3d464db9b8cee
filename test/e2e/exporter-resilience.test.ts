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
    /** `n` requests, 20 at a time; resolves with how many answered 200. */
    const load = async (n: number) => {
      let ok = 0;
      for (let batch = 0; batch < n / 20; batch++) {
        const results = await Promise.all(Array.from({ length: 20 }, () => get(url, { token: alice.accessToken })));
        ok += results.filter((r) => r.status === 200).length;
      }
      return ok;
    };
    try {
      // Warm up (JIT, heap growth to its working size), then two equal phases: 2 x 900 requests
      // x 11 spans is far more than one batch queue (2048). A queue that kept failed spans would
      // grow in the second phase as in the first; a bounded one does not grow with the load.
      expect(await load(300)).to.equal(300);
      const rss = () => Object.fromEntries(SERVICES.map((n) => [n, rssMiB(stack.processes[n].pid!)]));
      expect(await load(900)).to.equal(900);
      const middle = rss();
      expect(await load(900)).to.equal(900);
      const end = rss();
      for (const name of SERVICES) {
        expect(end[name], `${name} RSS MiB`).to.be.lessThan(200);
        expect(end[name]! - middle[name]!, `${name} RSS growth MiB over the second 900 requests`).to.be.lessThan(20);
      }
    } finally {
      await jaeger.start();
    }

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
