// The latency phase of the side-by-side run: what tracing adds to a request's latency, in two
// probes, each a pair of stacks (the baseline and one traced configuration) measured together in
// every round and compared within it, like the CPU ratios:
// - c=1: sequential requests in blocks alternating between the two stacks (no queueing);
// - rate: both stacks at once under the same fixed open-loop rate (`--rate`).
// Every request is timed on its own (hrtime for HTTP, ghz's nanoseconds for gRPC), never from a
// tool's whole-millisecond histogram. gRPC goes through ghz as the CPU phase's loads do, so it
// dials the user service exactly as they do.
import type { RunningConfig } from './bench-stack';
import type { ConfigName } from './configs';
import { runGhz, type GhzLoad } from './ghz-load';
import { runTimingJobForked, type HttpTarget, type TimedRequests } from './http-timing';
import { latencyRound, latencySummary, type LatencyRound, type LatencySummary } from './latency-stats';
import { planLoad, type PlannedLoad } from './load-plan';
import type { LoadName } from './loads';

/** The traced configurations the phase compares with `off`: the lean spans at 1.0 into the discard sink and into a real Jaeger. */
export const LATENCY_TRACED: readonly ConfigName[] = ['on-1.0-sink', 'on-1.0'];

/** The largest ratio against `off` each probe's percentile may reach (issue: tracing nobody can feel). */
export const LATENCY_TARGETS = { c1: { p50: 1.05, p99: 1.1 }, rate: { p50: 1.05 } } as const;

/** How long the phase measures. */
export interface LatencyOptions {
  /** Rounds (each: every probe of every load for every traced configuration); 0 skips the phase. */
  rounds: number;
  /** c=1: requests per stack per round. */
  requests: number;
  /** c=1: requests in a row to one stack before the other's turn. */
  block: number;
  /** rate: seconds per round. */
  durationS: number;
}

/** One probe of one load: a traced configuration against the baseline, round by round. */
export interface LatencyComparison {
  load: LoadName;
  probe: 'c1' | 'rate';
  /** rate: requests a second offered to each stack. */
  rate?: number;
  baseline: ConfigName;
  traced: ConfigName;
  summary: LatencySummary;
  rounds: { baseline: LatencyRound; traced: LatencyRound }[];
}

/** What the phase measured. */
export interface LatencyReport {
  options: LatencyOptions;
  comparisons: LatencyComparison[];
}

/** What a probe needs besides the stacks. */
interface ProbeSetup {
  load: LoadName;
  rate: number;
  /** In flight at most per stack under the fixed rate (ghz workers). */
  concurrency: number;
  options: LatencyOptions;
}

const planned = (load: LoadName, running: RunningConfig, concurrency: number, durationS: number, rate: number): PlannedLoad =>
  planLoad(load, running, { concurrency, durationS, ghzCpus: 1, rate });

const httpTarget = (p: PlannedLoad): HttpTarget => {
  if (p.tool !== 'autocannon') throw new Error('not an HTTP load');
  return { url: p.http.url, method: p.http.method, headers: p.http.headers, body: p.http.body };
};

const ghzOf = (p: PlannedLoad): GhzLoad => {
  if (p.tool !== 'ghz') throw new Error('not a ghz load');
  return p.ghz;
};

/** c=1, blocks alternating between the stacks; each stack's timed requests. */
async function probeC1(pair: RunningConfig[], setup: ProbeSetup): Promise<TimedRequests[]> {
  const { requests, block } = setup.options;
  const plans = pair.map((r) => planned(setup.load, r, 1, 1, 0));
  if (plans[0]!.tool === 'autocannon') {
    return runTimingJobForked({ kind: 'alternating', targets: plans.map(httpTarget), block, requests }, requests * pair.length);
  }
  const out = pair.map((): TimedRequests => ({ latenciesMs: [], errors: 0 }));
  for (let done = 0; done < requests; done += block) {
    for (const [i, plan] of plans.entries()) {
      const n = Math.min(block, requests - done);
      // One call more than timed: the first call of a fresh connection carries its set-up (headers not yet indexed).
      const result = await runGhz({ ...ghzOf(plan), concurrency: 1, rps: 0, requests: n + 1, durationS: n, keepLatencies: true });
      out[i]!.latenciesMs.push(...(result.latenciesMs ?? []).slice(1));
      out[i]!.errors += result.errors;
    }
  }
  return out;
}

/** Both stacks at once under the same fixed open-loop rate; each stack's timed requests. */
async function probeRate(pair: RunningConfig[], setup: ProbeSetup, durationS: number): Promise<TimedRequests[]> {
  const plans = pair.map((r) => planned(setup.load, r, setup.concurrency, durationS, setup.rate));
  if (plans[0]!.tool === 'autocannon') {
    return runTimingJobForked({ kind: 'rate', targets: plans.map(httpTarget), rate: setup.rate, durationS }, durationS);
  }
  const results = await Promise.all(plans.map((p) => runGhz({ ...ghzOf(p), keepLatencies: true })));
  return results.map((r) => ({ latenciesMs: r.latenciesMs ?? [], errors: r.errors }));
}

/** One round of one probe; the pair's order flips every round so neither stack always goes first. */
async function probeRound(probe: 'c1' | 'rate', pair: [RunningConfig, RunningConfig], setup: ProbeSetup, round: number): Promise<[LatencyRound, LatencyRound]> {
  const ordered = round % 2 ? [pair[1], pair[0]] : pair;
  const timed = probe === 'c1' ? await probeC1(ordered, setup) : await probeRate(ordered, setup, setup.options.durationS);
  const [first, second] = timed.map((t) => latencyRound(t.latenciesMs, t.errors)) as [LatencyRound, LatencyRound];
  return round % 2 ? [second, first] : [first, second];
}

/**
 * Runs the phase: `stacks` holds the baseline first and the traced configurations after it. With
 * `warmupS`, each load runs unmeasured at its rate on every pair first (a stack started for the
 * phase has a cold JIT).
 */
export async function runLatencyPhase(
  stacks: RunningConfig[],
  loads: readonly { load: LoadName; rate: number }[],
  shape: { concurrency: number; warmupS: number; options: LatencyOptions },
  log: (line: string) => void,
): Promise<LatencyReport> {
  const [baseline, ...traced] = stacks;
  if (!baseline) throw new Error('the latency phase needs a baseline stack');
  const { options } = shape;
  const comparisons: LatencyComparison[] = [];
  for (const { load, rate } of loads) {
    const setup: ProbeSetup = { load, rate, concurrency: shape.concurrency, options };
    log(`latency: ${load}, ${options.rounds} rounds: c=1 (${options.requests} requests a stack in blocks of ${options.block}) and ${rate} rps for ${options.durationS} s, ${baseline.name} against ${traced.map((t) => t.name).join(', ')}`);
    if (shape.warmupS > 0) for (const t of traced) await probeRate([baseline, t], setup, shape.warmupS);
    const byProbe = new Map<string, LatencyComparison['rounds']>();
    for (let round = 0; round < options.rounds; round++) {
      for (const t of traced) {
        for (const probe of ['c1', 'rate'] as const) {
          const [b, s] = await probeRound(probe, [baseline, t], setup, round);
          const key = `${probe}/${t.name}`;
          byProbe.set(key, [...(byProbe.get(key) ?? []), { baseline: b, traced: s }]);
          log(`  round ${round + 1}/${options.rounds} ${probe === 'c1' ? 'c=1' : `${rate} rps`}: p50 ${baseline.name} ${b.p50Ms.toFixed(3)} ms, ${t.name} ${s.p50Ms.toFixed(3)} ms`);
        }
      }
    }
    for (const probe of ['c1', 'rate'] as const) {
      for (const t of traced) {
        const rounds = byProbe.get(`${probe}/${t.name}`) ?? [];
        const summary = latencySummary(rounds.map((r) => r.baseline), rounds.map((r) => r.traced));
        comparisons.push({ load, probe, ...(probe === 'rate' ? { rate } : {}), baseline: baseline.name, traced: t.name, summary, rounds });
      }
    }
  }
  return { options, comparisons };
}
