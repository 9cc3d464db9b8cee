import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freeCollectorTierPorts, samplerPortsFor, startCollectorTier, type CollectorTier } from '../../scripts/stack/collector-tier';
import type { StoredSpan } from '../../scripts/trace/otlp-trace';
import { registerAccount, type Account } from '../support/accounts';
import { binomialBounds } from '../support/binomial';
import { get } from '../support/http';
import { callCounts, storedTrace } from '../support/collector-tier';
import { sleep, startStack, type Stack } from '../support/stack';
import { traceIdOf } from '../support/trace-shape';

// The collector tier with two samplers behind the load-balancing layer (deploy/otelcol-lb.yaml),
// through the real stack: every trace must be decided by one sampler, whole. The control runs
// the same traffic with the gateway exporting straight to one sampler and the user and auth
// services to the other, as two collectors behind a plain Service would get it: the same checks
// must then report traces decided in parts. No skip: a missing otelcol-lb fails the test (CI
// builds it with scripts/tools.sh all).

const REQUESTS = 300;
const KEEP_PERCENT = 10;
const FAIL_PROBABILITY = 0.25;
const DECISION_WAIT_MS = 2000;
const SERVICES = ['auth-service', 'gateway', 'user-service'];
const ROUTE = 'GET /api/v1/users/:id';

interface Outcome {
  traceId: string;
  status: number;
  startedAt: number;
}

interface Scenario {
  tier: CollectorTier;
  stack: Stack;
  account: Account;
  badgerDir: string;
  outcomes: Outcome[];
}

/**
 * What is wrong with a stored trace, or undefined when it is whole and decided once: all three
 * services, one root, every parent present, the ValidateToken span, and every span kept by the
 * same sampler (the `collector.sampler` attribute each sampler writes on what it keeps).
 */
function traceProblem(spans: StoredSpan[] | undefined): string | undefined {
  if (!spans || spans.length === 0) return 'not stored';
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  const services = [...new Set(spans.map((s) => s.service))].sort();
  const samplers = [...new Set(spans.map((s) => String(s.attributes['collector.sampler'])))].sort();
  if (samplers.length !== 1) return `decided in parts by ${samplers.join(' and ')}`;
  if (roots.length !== 1) return `${roots.length} roots`;
  if (services.join() !== SERVICES.join()) return `services ${services.join(', ')}`;
  if (!spans.some((s) => s.name === 'ValidateToken')) return 'no ValidateToken span';
  return undefined;
}

/** The error traces' problems (trace id: problem), each polled until it is whole or 15 s have passed. */
async function errorTraceProblems(tier: CollectorTier, outcomes: Outcome[]): Promise<string[]> {
  const problems: string[] = [];
  for (const { traceId } of outcomes.filter((o) => o.status === 503)) {
    let problem: string | undefined = 'not stored';
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const spans = await storedTrace(tier, traceId);
      problem = traceProblem(spans);
      // A trace decided in parts never becomes whole: no point waiting for it.
      if (problem === undefined || problem.startsWith('decided in parts')) break;
      await sleep(500);
    }
    if (problem) problems.push(`${traceId}: ${problem}`);
  }
  return problems;
}

/** Each sampler's own call counts, and their sum (what `sum by (service_name, span_name, status_code)` gives). */
async function redCounts(tier: CollectorTier): Promise<{ perSampler: Array<Map<string, number>>; sum: Map<string, number> }> {
  const perSampler = await Promise.all(tier.samplers.map(async (s) => callCounts(await (await fetch(s.metricsUrl)).text())));
  const sum = new Map<string, number>();
  for (const counts of perSampler) for (const [k, v] of counts) sum.set(k, (sum.get(k) ?? 0) + v);
  return { perSampler, sum };
}

/** `n` GET user requests, `concurrency` at a time, each outcome recorded. */
async function sendRequests(s: Pick<Scenario, 'stack' | 'account'>, n: number, concurrency: number, into: Outcome[]): Promise<void> {
  const url = `${s.stack.gatewayUrl}/api/v1/users/${s.account.id}`;
  for (let i = 0; i < n; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, n - i) }, async () => {
        const startedAt = Date.now();
        const res = await get(url, { token: s.account.accessToken });
        return { traceId: traceIdOf(res.headers), status: res.status, startedAt };
      }),
    );
    into.push(...batch);
  }
}

/** Two samplers behind the load balancer; `split` points the services past it instead. */
async function startScenario(routing: 'balanced' | 'split'): Promise<Scenario> {
  const badgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'badger-lb-'));
  const tier = await startCollectorTier({
    ports: await freeCollectorTierPorts(),
    samplers: 2,
    samplerPorts: await samplerPortsFor(2, undefined),
    badgerDir,
    // Nothing here is slow: the latency policy must not keep normal traces.
    sampling: { keepPercent: KEEP_PERCENT, slowMs: 3000, decisionWait: `${DECISION_WAIT_MS / 1000}s` },
  });
  const direct = (i: number) => ({ TRACING_COLLECTOR_URL: tier.samplers[i]!.otlpHttpUrl });
  const stack = await startStack({
    sharedTracing: false,
    env: { TRACING_EXPORTER: 'otlp', TRACING_COLLECTOR_URL: tier.otlpHttpUrl, OTEL_BSP_SCHEDULE_DELAY: '200' },
    envFor: {
      // Failures deep in the chain, so a failing request's trace spans all three services.
      auth: { FAULTS: `auth.v1.AuthService/ValidateToken:error=UNAVAILABLE@${FAIL_PROBABILITY}`, ...(routing === 'split' ? direct(1) : {}) },
      ...(routing === 'split' ? { gateway: direct(0), user: direct(1) } : {}),
    },
  });
  const account = await registerAccount(stack.gatewayUrl);
  const outcomes: Outcome[] = [];
  await sendRequests({ stack, account }, REQUESTS, 10, outcomes);
  return { tier, stack, account, badgerDir, outcomes };
}

async function stopScenario(s: Scenario | undefined): Promise<void> {
  await s?.stack.stop();
  await s?.tier.stop();
  if (s) fs.rmSync(s.badgerDir, { recursive: true, force: true });
}

describe('collector tier with two samplers behind the load balancer (otelcol-lb, real stack)', function () {
  this.timeout(240_000);
  let s: Scenario;

  before(async function () {
    this.timeout(120_000);
    s = await startScenario('balanced');
  });

  after(async function () {
    this.timeout(60_000);
    await stopScenario(s);
  });

  it('sent a mix of successes and failures', () => {
    expect(s.outcomes).to.have.length(REQUESTS);
    expect([...new Set(s.outcomes.map((o) => o.status))].sort()).to.deep.equal([200, 503]);
  });

  it('keeps every error trace whole, decided by one sampler: all three services, one root', async () => {
    expect(s.outcomes.filter((o) => o.status === 503).length).to.be.greaterThan(30);
    expect(await errorTraceProblems(s.tier, s.outcomes)).to.deep.equal([]);
  });

  it('both samplers received spans (each one counts the spans it was sent)', async () => {
    await sleep(1500); // the spanmetrics flush interval (1 s)
    const { perSampler } = await redCounts(s.tier);
    const gatewayCalls = perSampler.map((c) => (c.get(`gateway ${ROUTE} STATUS_CODE_UNSET`) ?? 0) + (c.get(`gateway ${ROUTE} STATUS_CODE_ERROR`) ?? 0));
    // Trace ids hash evenly: each sampler gets about half; 300 fair coins stay within 100..200 but
    // once in ~10^8.
    for (const [i, calls] of gatewayCalls.entries()) expect(calls, `sampler ${i}'s gateway requests (of ${REQUESTS})`).to.be.within(100, 200);
  });

  it(`keeps about ${KEEP_PERCENT}% of the other traces (binomial bounds), each whole and decided once`, async () => {
    await sleep(DECISION_WAIT_MS + 1000);
    const normal = s.outcomes.filter((o) => o.status === 200);
    let kept = 0;
    const problems: string[] = [];
    for (const { traceId } of normal) {
      const spans = await storedTrace(s.tier, traceId);
      if (!spans) continue;
      kept++;
      const problem = traceProblem(spans);
      if (problem) problems.push(`${traceId}: ${problem}`);
    }
    expect(problems).to.deep.equal([]);
    const [low, high] = binomialBounds(normal.length, KEEP_PERCENT / 100, 1e-4);
    expect(kept, `kept ${kept} of ${normal.length} normal traces; bounds [${low}, ${high}]`).to.be.within(low, high);
  });

  it('RED metrics summed over the samplers match what was sent', async () => {
    const failed = s.outcomes.filter((o) => o.status === 503).length;
    let sum = new Map<string, number>();
    const want = (key: string) => sum.get(key) ?? 0;
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      sum = (await redCounts(s.tier)).sum;
      if (want(`gateway ${ROUTE} STATUS_CODE_UNSET`) + want(`gateway ${ROUTE} STATUS_CODE_ERROR`) >= REQUESTS) break;
      await sleep(500);
    }
    expect(want(`gateway ${ROUTE} STATUS_CODE_ERROR`), 'gateway errors').to.equal(failed);
    expect(want(`gateway ${ROUTE} STATUS_CODE_UNSET`), 'gateway successes').to.equal(REQUESTS - failed);
    expect(want('auth-service ValidateToken STATUS_CODE_ERROR'), 'auth errors').to.equal(failed);
    expect(want('user-service GetUser STATUS_CODE_ERROR'), 'user errors').to.equal(failed);
    expect(want('user-service GetUser STATUS_CODE_UNSET'), 'user successes').to.equal(REQUESTS - failed);
  });

  it('a sampler killed under load (SIGKILL): no request fails, it is restarted, later traces are whole again', async function () {
    this.timeout(120_000);
    const victim = s.tier.samplers[1]!;
    const during: Outcome[] = [];
    let running = true;
    // About 40 requests a second: enough traces in flight when the sampler dies, a short load.
    const load = (async () => {
      while (running) {
        await sendRequests(s, 5, 5, during);
        await sleep(100);
      }
    })();
    await sleep(3000);
    const killedAt = Date.now();
    await victim.kill();
    await victim.healthy(30_000);
    const backAt = Date.now();
    // Long enough for many traces after the restart, and for the load balancer's retries of what
    // it queued while the sampler was gone (retry_on_failure: 1 s growing to 5 s).
    await sleep(10_000);
    running = false;
    await load;
    expect(victim.restarts(), 'restarts of the killed sampler').to.equal(1);
    expect([...new Set(during.map((o) => o.status))].sort(), 'statuses while a sampler died (503s are the injected faults)').to.deep.equal([200, 503]);

    await sleep(DECISION_WAIT_MS + 6000);
    // Each error trace of the run, in start order: whole and decided once, or not.
    const errors = during.filter((o) => o.status === 503).sort((a, b) => a.startedAt - b.startedAt);
    const verdicts = [];
    for (const o of errors) verdicts.push({ ...o, problem: traceProblem(await storedTrace(s.tier, o.traceId)) });
    const broken = verdicts.filter((v) => v.problem !== undefined);
    // From when on every error trace is whole again (the first trace after the last broken one).
    const lastBroken = broken.at(-1);
    const wholeFrom = lastBroken ? verdicts.find((v) => v.startedAt > lastBroken.startedAt)?.startedAt : killedAt;
    const after = verdicts.filter((v) => v.startedAt >= backAt);
    process.stdout.write(
      `      [measured] sampler killed; restarted and healthy after ${backAt - killedAt} ms; ${errors.length} error traces during the run, ` +
        `${broken.length} not whole (${[...new Set(broken.map((b) => b.problem))].join('; ') || 'none'}), ` +
        `the last of them started ${lastBroken ? `${lastBroken.startedAt - killedAt} ms after the kill` : '(none)'}; ` +
        `whole again for traces started ${wholeFrom === undefined ? '(never)' : `${wholeFrom - killedAt} ms`} after the kill\n`,
    );
    expect(after.length, 'error traces started after the restart').to.be.greaterThan(5);
    // Every error trace that starts once the sampler answers again is whole.
    expect(after.filter((v) => v.problem !== undefined).map((v) => `${v.traceId} (+${v.startedAt - killedAt} ms): ${v.problem}`)).to.deep.equal([]);
  });
});

describe('control: the same traffic without the load balancer (gateway to one sampler, user and auth to the other)', function () {
  this.timeout(240_000);
  let s: Scenario;

  before(async function () {
    this.timeout(120_000);
    s = await startScenario('split');
  });

  after(async function () {
    this.timeout(60_000);
    await stopScenario(s);
  });

  it('the checks above see traces decided in parts', async () => {
    const problems = await errorTraceProblems(s.tier, s.outcomes);
    const failed = s.outcomes.filter((o) => o.status === 503).length;
    // Each sampler keeps its half of an error trace (both halves hold an ERROR span): every error
    // trace is stored, in two halves decided separately.
    expect(problems.length, `error traces with a problem, of ${failed}:\n${problems.slice(0, 5).join('\n')}`).to.equal(failed);
    expect(problems.every((p) => p.endsWith('decided in parts by sampler-0 and sampler-1'))).to.equal(true);
  });

  it('while the summed RED counts still match (the metrics do not need whole traces)', async () => {
    await sleep(1500);
    const failed = s.outcomes.filter((o) => o.status === 503).length;
    const { sum } = await redCounts(s.tier);
    expect(sum.get(`gateway ${ROUTE} STATUS_CODE_ERROR`) ?? 0).to.equal(failed);
    expect(sum.get('auth-service ValidateToken STATUS_CODE_ERROR') ?? 0).to.equal(failed);
  });
});
