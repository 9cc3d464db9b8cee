// Latency figures of the side-by-side run's latency phase (latency-phase.ts): each stack's
// percentiles in a round, from every answered request's own time (not a tool's rounded
// histogram), and the traced stack's percentiles over the baseline's of the same round, as an
// interval over the rounds like the CPU ratios (paired-stats.ts).
import { percentile, round } from './load-result';
import { ratioInterval, type RatioInterval } from './paired-stats';

/** One stack's latencies in one round. */
export interface LatencyRound {
  /** Answered requests timed. */
  count: number;
  /** Failed requests (not timed). */
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Percentiles of one stack's round from each answered request's latency in milliseconds. */
export function latencyRound(latenciesMs: readonly number[], errors: number): LatencyRound {
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (p: number) => (sorted.length ? round(percentile(sorted, p), 4) : NaN);
  return { count: sorted.length, errors, p50Ms: at(50), p99Ms: at(99) };
}

/** A traced stack against the baseline, over the rounds both answered. */
export interface LatencySummary {
  /** Per-round p50 (traced / baseline of the same round). */
  p50: RatioInterval;
  /** Per-round p99 (traced / baseline of the same round). */
  p99: RatioInterval;
  /** Medians over the rounds, milliseconds. */
  baseP50Ms: number;
  baseP99Ms: number;
  p50Ms: number;
  p99Ms: number;
  /** Failed requests on either side, all rounds. */
  errors: number;
}

const medianOf = (values: number[]) => ratioInterval(values).median;

/** Pairs round i of `traced` with round i of `baseline`; a round where either side timed nothing is left out. */
export function latencySummary(baseline: readonly LatencyRound[], traced: readonly LatencyRound[]): LatencySummary {
  const pairs: [LatencyRound, LatencyRound][] = [];
  for (let i = 0; i < Math.min(baseline.length, traced.length); i++) {
    const b = baseline[i]!;
    const t = traced[i]!;
    if (b.count > 0 && t.count > 0) pairs.push([b, t]);
  }
  return {
    p50: ratioInterval(pairs.map(([b, t]) => t.p50Ms / b.p50Ms)),
    p99: ratioInterval(pairs.map(([b, t]) => t.p99Ms / b.p99Ms)),
    baseP50Ms: medianOf(pairs.map(([b]) => b.p50Ms)),
    baseP99Ms: medianOf(pairs.map(([b]) => b.p99Ms)),
    p50Ms: medianOf(pairs.map(([, t]) => t.p50Ms)),
    p99Ms: medianOf(pairs.map(([, t]) => t.p99Ms)),
    errors: [...baseline, ...traced].reduce((a, r) => a + r.errors, 0),
  };
}

/** Whether an interval is under a target: all of it (met), none of it (missed), or it straddles the target (unresolved: more rounds). */
export type Verdict = 'met' | 'missed' | 'unresolved';

/** Judges a ratio interval against the largest ratio a target allows. */
export function verdict(interval: RatioInterval, target: number): Verdict {
  const half = Number.isFinite(interval.halfWidth) ? interval.halfWidth : 0;
  if (!Number.isFinite(interval.mean)) return 'unresolved';
  if (interval.mean + half <= target) return 'met';
  if (interval.mean - half > target) return 'missed';
  return 'unresolved';
}
