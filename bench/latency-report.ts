// The latency phase in the side-by-side report: a table per load and probe, and headline lines
// with each target and whether the interval meets it.
import { LATENCY_TARGETS, type LatencyComparison, type LatencyReport } from './latency-phase';
import { verdict } from './latency-stats';
import type { RatioInterval } from './paired-stats';

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const ratio = (r: RatioInterval) => `x${r.mean.toFixed(2)} +-${Number.isFinite(r.halfWidth) ? r.halfWidth.toFixed(2) : 'n/a'}`;
const probeName = (c: LatencyComparison) => (c.probe === 'c1' ? 'c=1' : `${c.rate} rps`);

/** A ratio with its target and verdict, e.g. `x1.13 +-0.02 (<= x1.05: missed)`. */
export function judged(interval: RatioInterval, target: number | undefined): string {
  if (target === undefined) return ratio(interval);
  return `${ratio(interval)} (<= x${target.toFixed(2)}: ${verdict(interval, target)})`;
}

/** The targets of a probe: p50 always, p99 at c=1 only (under load the tail is the queue's). */
const targetsOf = (c: LatencyComparison): { p50: number; p99?: number } => LATENCY_TARGETS[c.probe];

/** One table per load: every probe and traced configuration, percentiles in ms and ratios against the baseline. */
export function formatLatencyTables(report: LatencyReport): string[] {
  const o = report.options;
  const lines: string[] = [];
  for (const load of [...new Set(report.comparisons.map((c) => c.load))]) {
    const rows = report.comparisons.filter((c) => c.load === load);
    lines.push(
      '',
      `${load} latency, ${o.rounds} rounds: c=1 ${o.requests} requests a stack in blocks of ${o.block} alternating; fixed rate ${o.durationS} s both stacks at once; each request timed (ms)`,
      `${'probe'.padEnd(10)}${'stack'.padEnd(14)}${'p50 base'.padStart(9)}${'p50'.padStart(8)}  ${'x base p50'.padEnd(16)}${'p99 base'.padStart(9)}${'p99'.padStart(8)}  ${'x base p99'.padEnd(16)}errors  rounds`,
    );
    for (const c of rows) {
      const s = c.summary;
      lines.push(
        `${probeName(c).padEnd(10)}${c.traced.padEnd(14)}${ms(s.baseP50Ms).padStart(9)}${ms(s.p50Ms).padStart(8)}  ${ratio(s.p50).padEnd(16)}${ms(s.baseP99Ms).padStart(9)}${ms(s.p99Ms).padStart(8)}  ${ratio(s.p99).padEnd(16)}${String(s.errors).padStart(6)}  ${String(s.p50.rounds).padStart(6)}`,
      );
    }
  }
  return lines;
}

/** The headline: each probe's ratios against the baseline with the targets and verdicts. */
export function latencyHeadline(report: LatencyReport): string[] {
  const baseline = report.comparisons[0]?.baseline ?? 'off';
  const lines = [`Latency against ${baseline}, same rounds (mean +- 2 s.e.; met: the whole interval under the target):`];
  for (const c of report.comparisons) {
    const t = targetsOf(c);
    const head = `  ${c.load.padEnd(20)} ${probeName(c).padEnd(9)} ${c.traced.padEnd(12)}`;
    lines.push(`${head} p50 ${judged(c.summary.p50, t.p50)}, p99 ${judged(c.summary.p99, t.p99)}`);
  }
  return lines;
}
