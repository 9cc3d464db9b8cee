import http from 'node:http';
import https from 'node:https';
import { diag, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { exportStats } from '../export-stats';
import { encodeExportTraceRequest } from './encode-trace';

/** Settings of {@link LeanOtlpProcessor}: the OTLP traces URL and the OTEL_BSP_* values. */
export interface LeanOtlpProcessorOptions {
  /** OTLP/HTTP traces URL, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/**
 * Batches sampled spans and posts them as OTLP/HTTP protobuf, with the project's encoder
 * (encode-trace.ts, checked field by field against the stock serializer). Replaces
 * BatchSpanProcessor + OTLPTraceExporter on the default path because, measured, most of what
 * tracing cost beyond making spans was that pipeline: per-batch intermediate objects, promise
 * chains and retry machinery. The request path only pushes a span onto an array; encoding and
 * the POST run from a timer or setImmediate. Semantics follow the BatchSpanProcessor: a full
 * queue drops (counted), one export in flight at a time, a failed batch is dropped (counted),
 * never retried, so a collector that is down costs bounded memory.
 */
export class LeanOtlpProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(private readonly options: LeanOtlpProcessorOptions) {
    this.url = new URL(options.url);
    this.transport = this.url.protocol === 'https:' ? https : http;
    // One socket, kept alive: one export is in flight at a time, so more would only sit idle.
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 1 });
  }

  onStart(_span: Span, _parent: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & 1) === 0) return;
    // Dropped spans are the ended ones never exported nor failed (export-stats.ts counts them).
    if (this.queue.length >= this.options.maxQueueSize) return;
    this.queue.push(span);
    this.scheduleExport();
  }

  /** A full batch goes out now; fewer spans wait for the batch delay (one timer at a time). */
  private scheduleExport(): void {
    if (this.queue.length >= this.options.maxExportBatchSize) this.exportSoon();
    else if (this.queue.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.exportSoon();
      }, this.options.scheduledDelayMillis);
      this.timer.unref();
    }
  }

  /** Exports from a fresh macrotask, never inside the request that ended the span. */
  private exportSoon(): void {
    if (this.immediate || this.inFlight) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.exportBatch();
    });
  }

  /** Posts one batch; when it is done, goes on while a full batch waits, else re-arms the timer. */
  private exportBatch(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue.length <= this.options.maxExportBatchSize ? this.queue : this.queue.slice(0, this.options.maxExportBatchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.inFlight = this.encodeAndPost(batch).then(
      () => {
        exportStats.exported += batch.length;
      },
      (err: unknown) => {
        exportStats.failed += batch.length;
        diag.warn(`OTLP export of ${batch.length} spans to ${this.url.href} failed: ${(err as Error).message}`);
      },
    );
    return this.inFlight.finally(() => {
      this.inFlight = undefined;
      if (!this.stopped) this.scheduleExport();
    });
  }

  /** Encodes once the resource's detected attributes (host.id) have settled, then posts. */
  private async encodeAndPost(batch: ReadableSpan[]): Promise<void> {
    const resource = batch[0]?.resource;
    if (resource?.asyncAttributesPending) await resource.waitForAsyncAttributes?.();
    await this.post(encodeExportTraceRequest(batch));
  }

  private post(body: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength },
          timeout: this.options.exportTimeoutMillis,
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`collector answered HTTP ${status}`));
          });
          res.once('error', reject);
        },
      );
      req.once('timeout', () => req.destroy(new Error(`no answer within ${this.options.exportTimeoutMillis} ms`)));
      req.once('error', reject);
      req.end(body);
    });
  }

  /** Exports everything queued, batch by batch, and waits for the last POST. */
  async forceFlush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    while (this.queue.length > 0) await this.exportBatch();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.forceFlush();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.agent.destroy();
  }
}
