// What one traced gRPC hop costs in-process, no network: the auth service's span work for one
// ValidateToken call (extract the caller's context from metadata, SERVER span, operation span
// active around an awaited "handler" that makes one DB span, end both, the rpc log fields),
// on the lean provider and on the SDK's provider (NodeSDK's), and with tracing off.
//   npm run bench -- --micro span-path [--iterations 200000]
import { Metadata } from '@grpc/grpc-js';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type TextMapGetter, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, ParentBasedSampler, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LeanTracerProvider } from '../shared/telemetry/lean/lean-tracer';
import { PooledIdGenerator } from '../shared/telemetry/lean/pooled-ids';
import { createSampling } from '../shared/telemetry/lean/sampling';
import { LeanW3CPropagator } from '../shared/telemetry/lean/w3c-propagator';
import { spanLogFields } from '../shared/telemetry/trace-headers';
import type { MicroOptions } from './cli';

const getter: TextMapGetter<Metadata> = {
  keys: (m) => Object.keys(m.getMap()),
  get: (m, k) => {
    const v = m.get(k)[0];
    return typeof v === 'string' ? v : undefined;
  },
};

/** Ends spans into a ring, as a batcher holds them, without exporting. */
class Holder implements SpanProcessor {
  held: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.held.push(span);
    if (this.held.length >= 512) this.held = [];
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

async function hop(provider: TracerProvider | undefined, metadata: Metadata): Promise<unknown> {
  if (!provider) {
    // Tracing off: the caller's traceparent is read and kept for the log line.
    return { trace_id: String(metadata.get('traceparent')[0]).slice(3, 35) };
  }
  const tracer = provider.getTracer('micro');
  const parent = propagation.extract(ROOT_CONTEXT, metadata, getter);
  const server = tracer.startSpan('grpc.auth.v1.AuthService/ValidateToken', { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.method': 'ValidateToken', 'rpc.service': 'auth.v1.AuthService' } }, parent);
  const serverCtx = trace.setSpan(parent, server);
  const op = tracer.startSpan('ValidateToken', { attributes: { operation: 'validate_token', service: 'auth-service', 'auth.method': 'bearer' } }, serverCtx);
  await context.with(trace.setSpan(serverCtx, op), async () => {
    await Promise.resolve();
    const db = tracer.startSpan('SELECT credentials', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'sqlite', 'db.system.name': 'sqlite', 'db.namespace': 'auth.db', 'db.operation.name': 'SELECT', 'db.query.text': 'select "user_id" from "credentials" where "user_id" = ?', 'db.collection.name': 'credentials' } });
    await Promise.resolve();
    db.end();
    op.setAttribute('enduser.id', 'b7d5c7e4-1c2a-4c8e-9d55-3b1f6f0a2e11');
  });
  op.end();
  const fields = spanLogFields(server);
  server.setAttribute('rpc.grpc.status_code', 0);
  server.end();
  return fields;
}

async function time(label: string, provider: TracerProvider | undefined, N: number): Promise<number> {
  const metadata = new Metadata();
  metadata.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  for (let i = 0; i < 20_000; i++) await hop(provider, metadata);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await hop(provider, metadata);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / N;
  process.stdout.write(`${label.padEnd(34)} ${us.toFixed(2)} µs CPU per hop (3 spans)\n`);
  return us;
}

/** Runs the comparison and prints it (--rounds does not apply: one timed pass per variant). */
export async function run(o: Pick<MicroOptions, 'iterations'>): Promise<void> {
  const n = o.iterations ?? 200_000;
  const resource = resourceFromAttributes({ 'service.name': 'micro' });
  const lean = new LeanTracerProvider({ resource, sampled: createSampling({ rate: 1, parentBased: true }), idGenerator: new PooledIdGenerator(), processors: [new Holder()] });
  const sdk = new BasicTracerProvider({ resource, sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }), spanProcessors: [new Holder()] });
  const off = await time('off (no spans)', undefined, n);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new LeanW3CPropagator());
  const leanUs = await time('lean provider + lean propagator', lean, n);
  propagation.disable();
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const sdkUs = await time('SDK provider + stock propagators', sdk, n);
  process.stdout.write(`lean costs ${(leanUs - off).toFixed(2)} µs over off per hop; the SDK ${(sdkUs - off).toFixed(2)} µs (x${((sdkUs - off) / (leanUs - off)).toFixed(1)})\n`);
}
