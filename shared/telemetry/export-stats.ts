import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Span counts of this process since start: the benchmark reports exported vs dropped from these. */
export interface ExportStats {
  /** Sampled spans that ended (handed to the batch processor). */
  ended: number;
  /** Spans the exporter confirmed. */
  exported: number;
  /** Spans in batches the exporter reported as failed (backend down, timeout). */
  failed: number;
}

/** Live counters, updated by {@link CountingProcessor} and {@link CountingExporter}. */
export const exportStats: ExportStats = { ended: 0, exported: 0, failed: 0 };

/** Spans dropped by a full queue: ended but neither exported nor failed (exact once flushed). */
export const droppedSpans = (s: ExportStats = exportStats) => Math.max(0, s.ended - s.exported - s.failed);

/** Counts sampled spans as they end. Two integer increments: cheap enough for the hot path. */
export class CountingProcessor implements SpanProcessor {
  onStart(_span: Span, _parent: Context): void {}
  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) exportStats.ended++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Wraps an exporter to count what it confirmed and what failed. */
export class CountingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) exportStats.exported += spans.length;
      else exportStats.failed += spans.length;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
