// What the collector tier's tests read back: a trace from its query tier, and its RED metrics as
// Prometheus serves them (the spanmetrics connector).
import type { CollectorTier } from '../../scripts/stack/collector-tier';
import { fetchTrace, TraceQueryError } from '../../scripts/trace/jaeger-query';
import type { StoredSpan } from '../../scripts/trace/otlp-trace';

/** The trace as the query tier holds it, or undefined when it holds none of it. */
export async function storedTrace(tier: CollectorTier, traceId: string): Promise<StoredSpan[] | undefined> {
  try {
    return await fetchTrace(tier.queryUrl, traceId);
  } catch (err) {
    if (err instanceof TraceQueryError && err.exitCode === 1) return undefined;
    throw err;
  }
}

/** Prometheus text -> `calls` counter values keyed by `service span status`. */
export function callCounts(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const m = /^(?:traces_span_metrics_)?calls(?:_total)?\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels.service_name} ${labels.span_name} ${labels.status_code}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}
