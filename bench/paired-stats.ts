// Paired statistics of a side-by-side run (side-by-side.ts): every configuration measured in the
// same rounds, each round's figure compared with the baseline's figure of that same round, so
// what drifts over time (these machines' speed moves by half within minutes) cancels.
import { median } from './load-result';

/** One configuration's figures in one round. */
export interface RoundSample {
  /** CPU µs per answered request, by process role (gateway, user, auth). */
  cpuUs: Record<string, number>;
  /** Requests answered. */
  count: number;
  errors: number;
  /** Answered requests a second. */
  rps: number;
}

/** A configuration against the baseline, over the rounds both completed. */
export interface PairedSummary {
  /** Rounds compared. */
  rounds: number;
  /** Rounds left out: missing on a side, or a side served fewer than `minRps` (not at equal load). */
  roundsLeftOut: number;
  /** Median over rounds of (this round's summed CPU µs/request) / (the baseline's in the same round). */
  medianRatio: number;
  meanRatio: number;
  /** Two standard errors of the mean ratio: roughly a 95% interval around meanRatio. */
  ratioHalfWidth: number;
  /** Median over rounds of the summed CPU µs/request. */
  cpuUsPerRequest: number;
  /** Median over rounds of each process's µs/request minus the baseline's in the same round. */
  deltaUs: Record<string, number>;
  /** Median over rounds of each process's µs/request. */
  processUs: Record<string, number>;
  errors: number;
  /** Median over rounds of the answered rps (below the offered rate: the stack fell behind). */
  medianRps: number;
  /** The lowest answered rps of any round. */
  minRps: number;
}

/** The mean of per-round ratios with its interval, and their median. */
export interface RatioInterval {
  /** Ratios that went into it (one a round). */
  rounds: number;
  median: number;
  mean: number;
  /** Two standard errors of the mean: roughly a 95% interval around `mean` (NaN with one ratio). */
  halfWidth: number;
}

/** Mean +- 2 standard errors of per-round ratios: the one interval every paired figure of the bench reports. */
export function ratioInterval(ratios: readonly number[]): RatioInterval {
  const kept = ratios.filter((r) => Number.isFinite(r));
  const mean = kept.reduce((a, b) => a + b, 0) / (kept.length || NaN);
  const variance = kept.length > 1 ? kept.reduce((a, r) => a + (r - mean) ** 2, 0) / (kept.length - 1) : NaN;
  return { rounds: kept.length, median: median([...kept]), mean, halfWidth: (2 * Math.sqrt(variance)) / Math.sqrt(kept.length) };
}

const total = (s: RoundSample) => Object.values(s.cpuUs).reduce((a, b) => a + b, 0);

/**
 * Compares `samples` with `baseline`, round by round (index i of each is the same round). A round
 * is left out when either side is missing or served fewer than `minRps` requests a second: CPU
 * per request depends on the rate, so such a round is not a comparison at equal load (a stack
 * that stalled for a moment also makes its µs per request meaningless).
 */
export function pairedSummary(
  baseline: readonly (RoundSample | undefined)[],
  samples: readonly (RoundSample | undefined)[],
  minRps = 0,
): PairedSummary {
  const pairs: [RoundSample, RoundSample][] = [];
  const roundCount = Math.max(baseline.length, samples.length);
  for (let i = 0; i < roundCount; i++) {
    const b = baseline[i];
    const s = samples[i];
    if (b && s && b.count > 0 && s.count > 0 && b.rps >= minRps && s.rps >= minRps && total(b) > 0) pairs.push([b, s]);
  }
  const ratios = ratioInterval(pairs.map(([b, s]) => total(s) / total(b)));
  const roles = [...new Set(pairs.flatMap(([, s]) => Object.keys(s.cpuUs)))];
  const perRole = (f: (b: RoundSample, s: RoundSample, role: string) => number) =>
    Object.fromEntries(roles.map((role) => [role, median(pairs.map(([b, s]) => f(b, s, role)))]));
  return {
    rounds: pairs.length,
    roundsLeftOut: roundCount - pairs.length,
    medianRatio: ratios.median,
    meanRatio: ratios.mean,
    ratioHalfWidth: ratios.halfWidth,
    cpuUsPerRequest: median(pairs.map(([, s]) => total(s))),
    deltaUs: perRole((b, s, role) => (s.cpuUs[role] ?? 0) - (b.cpuUs[role] ?? 0)),
    processUs: perRole((_b, s, role) => s.cpuUs[role] ?? 0),
    errors: pairs.reduce((a, [, s]) => a + s.errors, 0),
    medianRps: median(pairs.map(([, s]) => s.rps)),
    minRps: pairs.length ? Math.min(...pairs.map(([, s]) => s.rps)) : NaN,
  };
}
