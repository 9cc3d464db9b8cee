// Microbenchmark of what exporting adds to a request, in one process and without the rest of the
// stack: a paced loop of "requests" (some garbage, three spans of the project's shape) through the
// lean tracer, with the spans (a) dropped at end, (b) batched and encoded but never sent, or
// (c) posted by the real LeanOtlpProcessor to the discard sink (bench/otlp-sink.ts, its own
// process). CPU per request comes from process.cpuUsage() (every thread of this process).
//
//   npx tsc -p tsconfig.json && node --max-semi-space-size=16 dist/bench/export-micro.js [--rps 1500] [--seconds 8] [--batch 512] [--rounds 3]
//
// Modes alternate round by round, so machine drift hits all alike; medians are printed.
import { ROOT_CONTEXT, SpanKind, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LeanTracerProvider } from '../shared/telemetry/lean/lean-tracer';
import { PooledIdGenerator } from '../shared/telemetry/lean/pooled-ids';
import { createSampling } from '../shared/telemetry/lean/sampling';
import { encodeExportTraceRequest } from '../shared/telemetry/otlp/encode-trace';
import { LeanOtlpProcessor } from '../shared/telemetry/otlp/lean-otlp-processor';
import { startSink } from './sink';
import { numberArg } from './micro-arg';

type Mode = 'drop' | 'encode' | 'post';
const MODES: readonly Mode[] = ['drop', 'encode', 'post'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Batches like the lean processor and encodes each batch from a fresh macrotask, then drops the bytes. */
class EncodeOnlyProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  constructor(private readonly batch: number) {}
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.queue.push(span);
    if (this.queue.length < this.batch) return;
    const full = this.queue;
    this.queue = [];
    setImmediate(() => encodeExportTraceRequest(full));
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const DROP: SpanProcessor = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };

/** Three spans shaped like a service hop (server, operation, DB), plus what a request leaves for the GC. */
function request(tracer: Tracer, keep: unknown[][]): void {
  const garbage: unknown[] = [];
  for (let i = 0; i < 200; i++) garbage.push({ a: i, b: `x${i}`, c: [i] });
  keep.push(garbage);
  if (keep.length > 50) keep.shift();
  const server = tracer.startSpan('grpc.auth.v1.AuthService/ValidateToken', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  server.setAttributes({ 'rpc.system': 'grpc', 'rpc.method': 'ValidateToken', 'rpc.service': 'auth.v1.AuthService' });
  const op = tracer.startSpan('ValidateToken', { attributes: { operation: 'ValidateToken', service: 'auth-service' } }, ROOT_CONTEXT);
  const db = tracer.startSpan('SELECT users', { kind: SpanKind.CLIENT }, ROOT_CONTEXT);
  db.setAttributes({
    'db.system.name': 'sqlite',
    'db.operation.name': 'SELECT',
    'db.query.text': 'select "id", "email", "status" from "users" where "id" = ? and "status" = ?',
    'db.namespace': 'auth',
  });
  db.end();
  op.end();
  server.setAttribute('rpc.grpc.status_code', 0);
  server.end();
}

/** One measured round of one mode: paced requests for `seconds`, CPU µs per request. */
async function round(mode: Mode, sinkUrl: string, options: { rps: number; seconds: number; batch: number }): Promise<{ usPerRequest: number; sysUsPerRequest: number }> {
  const processor =
    mode === 'post'
      ? new LeanOtlpProcessor({ url: sinkUrl, maxQueueSize: Math.max(2048, options.batch * 4), maxExportBatchSize: options.batch, scheduledDelayMillis: 1000, exportTimeoutMillis: 10_000 })
      : mode === 'encode'
        ? new EncodeOnlyProcessor(options.batch)
        : DROP;
  const provider = new LeanTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'export-micro', 'host.name': 'bench', 'process.pid': process.pid }),
    sampled: createSampling({ rate: 1, parentBased: true }),
    idGenerator: new PooledIdGenerator(),
    processors: [processor],
  });
  const tracer = provider.getTracer('export-micro');
  const keep: unknown[][] = [];
  const perTick = Math.max(1, Math.round(options.rps / 100));
  const run = (ms: number, count: () => void) =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      const timer = setInterval(() => {
        for (let i = 0; i < perTick; i++) {
          request(tracer, keep);
          count();
        }
        if (Date.now() - started >= ms) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
  await run(1500, () => {}); // warm-up: JIT, pools, the sink connection
  let n = 0;
  const before = process.cpuUsage();
  await run(options.seconds * 1000, () => n++);
  const used = process.cpuUsage(before);
  await provider.shutdown();
  return { usPerRequest: (used.user + used.system) / n, sysUsPerRequest: used.system / n };
}

async function main(): Promise<void> {
  const options = { rps: numberArg('rps', 1500), seconds: numberArg('seconds', 8), batch: numberArg('batch', 512) };
  const rounds = numberArg('rounds', 3);
  const sink = await startSink();
  const results: Record<Mode, number[]> = { drop: [], encode: [], post: [] };
  const sys: Record<Mode, number[]> = { drop: [], encode: [], post: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES) {
        const res = await round(mode, sink.otlpHttpUrl, options);
        results[mode].push(res.usPerRequest);
        sys[mode].push(res.sysUsPerRequest);
      }
    }
  } finally {
    await sink.stop();
  }
  const base = median(results.drop);
  console.log(`${options.rps} requests/s x 3 spans, batch ${options.batch}, ${rounds} rounds x ${options.seconds} s (median CPU µs per request, all threads)`);
  for (const mode of MODES) {
    const us = median(results[mode]);
    console.log(`  ${mode.padEnd(6)} ${us.toFixed(1).padStart(7)} µs  (sys ${median(sys[mode]).toFixed(1)})  +${(us - base).toFixed(1)} over drop`);
  }
}

void main();
