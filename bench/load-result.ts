/** What one measured load produced, whichever tool ran it. */
export interface LoadResult {
  /** Completed calls per second (any status), over the measured duration. */
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Completed calls. */
  count: number;
  /** Non-2xx responses / non-OK statuses plus transport errors (timeouts, resets). */
  errors: number;
  /** ghz only: calls cut off by ghz itself when its duration ran out (not counted in count/errors). */
  stoppedAtEnd?: number;
  /** Calls per status (HTTP code, or gRPC status name). */
  statusCodes: Record<string, number>;
  /** Transport errors and error messages with their counts (a few, for the report). */
  errorMessages: Record<string, number>;
  /** Measured duration in seconds. */
  durationS: number;
  /** Every answered call's latency in ms, when the load asked to keep them (ghz `keepLatencies`). */
  latenciesMs?: number[];
}

/** The value at percentile `p` (0..100) of ascending `sorted` (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

/** The median of a list (mean of the middle two when even); NaN for an empty list. */
export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Rounds to `digits` decimals. */
export const round = (n: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
