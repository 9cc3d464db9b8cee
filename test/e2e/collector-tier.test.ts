import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freeCollectorTierPorts, startCollectorTier, type CollectorTier } from '../../scripts/stack/collector-tier';
import type { StoredSpan } from '../../scripts/trace/otlp-trace';
import { registerAccount, type Account } from '../support/accounts';
import { binomialBounds } from '../support/binomial';
import { get } from '../support/http';
import { callCounts, storedTrace } from '../support/collector-tier';
import { sleep, startStack, type Stack } from '../support/stack';
import { expectOneTrace, traceIdOf } from '../support/trace-shape';

const REQUESTS = 200;
const KEEP_PERCENT = 10;
const FAIL_PROBABILITY = 0.25;
const SERVICES = ['auth-service', 'gateway', 'user-service'];

describe('collector tier: tail sampling, RED metrics, Badger storage (two real Jaegers)', function () {
  this.timeout(240_000);
  let tier: CollectorTier;
  let stack: Stack;
  let badgerDir: string;
  let account: Account;
  const outcomes: Array<{ traceId: string; status: number }> = [];

  before(async function () {
    this.timeout(120_000);
    badgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'badger-'));
    tier = await startCollectorTier({
      ports: await freeCollectorTierPorts(),
      badgerDir,
      // Nothing here is slow: the latency policy must not keep normal traces.
      sampling: { keepPercent: KEEP_PERCENT, slowMs: 3000, decisionWait: '2s' },
    });
    stack = await startStack({
      sharedTracing: false,
      env: { TRACING_EXPORTER: 'otlp', TRACING_COLLECTOR_URL: tier.otlpHttpUrl, OTEL_BSP_SCHEDULE_DELAY: '200' },
      // Failures deep in the chain, so a failing request's trace spans all three services.
      envFor: { auth: { FAULTS: `auth.v1.AuthService/ValidateToken:error=UNAVAILABLE@${FAIL_PROBABILITY}` } },
    });
    account = await registerAccount(stack.gatewayUrl);
    const url = `${stack.gatewayUrl}/api/v1/users/${account.id}`;
    for (let i = 0; i < REQUESTS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => get(url, { token: account.accessToken })));
      for (const res of batch) outcomes.push({ traceId: traceIdOf(res.headers), status: res.status });
    }
  });

  after(async function () {
    this.timeout(60_000);
    await stack?.stop();
    await tier?.stop();
    if (badgerDir) fs.rmSync(badgerDir, { recursive: true, force: true });
  });

  it('sent a mix of successes and failures', () => {
    const statuses = new Set(outcomes.map((o) => o.status));
    expect([...statuses].sort()).to.deep.equal([200, 503]);
    expect(outcomes).to.have.length(REQUESTS);
  });

  it('keeps every error trace, whole: all three services, one root, no span without its parent', async () => {
    const failed = outcomes.filter((o) => o.status === 503);
    expect(failed.length).to.be.greaterThan(10);
    for (const { traceId } of failed) {
      let spans: StoredSpan[] | undefined;
      const until = Date.now() + 20_000;
      // Arrival takes the decision wait plus both tiers' batching; then it must be complete.
      while (Date.now() < until) {
        spans = await storedTrace(tier, traceId);
        if (spans && new Set(spans.map((s) => s.service)).size === 3 && spans.some((s) => s.name === 'ValidateToken')) break;
        await sleep(500);
      }
      expect(spans, `error trace ${traceId}`).to.not.equal(undefined);
      expectOneTrace(spans!, traceId, SERVICES);
      expect(spans!.some((s) => s.status === 2), 'an ERROR span').to.equal(true);
    }
  });

  it(`keeps about ${KEEP_PERCENT}% of the other traces (binomial bounds), each one whole`, async () => {
    await sleep(3000); // past the decision wait of the last requests, and the export batching
    const normal = outcomes.filter((o) => o.status === 200);
    let kept = 0;
    for (const { traceId } of normal) {
      const spans = await storedTrace(tier, traceId);
      if (!spans) continue;
      kept++;
      expectOneTrace(spans, traceId, SERVICES);
      expect(spans.filter((s) => s.attributes['db.system.name'] === 'sqlite').length, 'DB spans of both services').to.be.at.least(2);
    }
    // Bounds a fair 10% coin stays within 99.99% of the time: a real failure, not bad luck.
    const [low, high] = binomialBounds(normal.length, KEEP_PERCENT / 100, 1e-4);
    expect(kept, `kept ${kept} of ${normal.length} normal traces; bounds [${low}, ${high}]`).to.be.within(low, high);
  });

  it('serves RED metrics per operation that match what was sent', async () => {
    const failed = outcomes.filter((o) => o.status === 503).length;
    let counts = new Map<string, number>();
    const until = Date.now() + 15_000;
    const want = (key: string) => counts.get(key) ?? 0;
    while (Date.now() < until) {
      const res = await fetch(tier.metricsUrl);
      counts = callCounts(await res.text());
      if (want('gateway GET /api/v1/users/:id STATUS_CODE_UNSET') + want('gateway GET /api/v1/users/:id STATUS_CODE_ERROR') >= REQUESTS) break;
      await sleep(500);
    }
    // Every request, kept or not: the metrics come from all spans, before sampling.
    expect(want('gateway GET /api/v1/users/:id STATUS_CODE_ERROR'), 'gateway errors').to.equal(failed);
    expect(want('gateway GET /api/v1/users/:id STATUS_CODE_UNSET'), 'gateway successes').to.equal(REQUESTS - failed);
    expect(want('auth-service ValidateToken STATUS_CODE_ERROR'), 'auth errors').to.equal(failed);
    expect(want('user-service GetUser STATUS_CODE_ERROR'), 'user errors').to.equal(failed);
    expect(want('user-service GetUser STATUS_CODE_UNSET'), 'user successes').to.equal(REQUESTS - failed);
  });

  it('still has the traces after a restart of the query tier (Badger on disk)', async () => {
    const failed = outcomes.find((o) => o.status === 503)!;
    const before = await storedTrace(tier, failed.traceId);
    expect(before, 'trace before the restart').to.not.equal(undefined);
    await tier.stopQuery();
    await tier.startQuery();
    const after = await storedTrace(tier, failed.traceId);
    expect(after?.map((s) => s.spanId).sort()).to.deep.equal(before!.map((s) => s.spanId).sort());
  });
});
