// Microbenchmark of the span export hot path: our hand-written OTLP/protobuf encoder
// (shared/telemetry/otlp/encode-trace.ts) vs the stock ProtobufTraceSerializer from
// @opentelemetry/otlp-transformer, on batches of 512 realistic spans (~10 attributes each).
//
//   npm run bench -- --micro encode [--rounds 7] [--iterations 200]
//
// Rounds alternate between the encoders so drift (thermal, other load) hits both alike;
// the median round is reported. Prints µs/span and bytes/span per variant.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeExportTraceRequest, encodeExportTraceRequestView } from '../shared/telemetry/otlp/encode-trace';
import type { MicroOptions } from './cli';
import { median } from './load-result';

const BATCH = 512;

/** Spans shaped like this project's: gRPC server spans with client and DB children, one resource, two scopes, an exception now and then. */
function buildBatch(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const resource = resourceFromAttributes({
    'service.name': 'user-service',
    'service.version': '0.1.0',
    'service.instance.id': '5f0c8b7e-2a41-4d7a-9b1e-6c3f1d2e9a10',
    'host.name': 'ip-10-0-3-17',
    'host.arch': 'amd64',
    'process.pid': 31337,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '24.0.0',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': '2.12.0',
  });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const grpc = provider.getTracer('@opentelemetry/instrumentation-grpc', '0.223.0');
  const app = provider.getTracer('user-service', '0.1.0');
  let n = 0;
  while (exporter.getFinishedSpans().length < BATCH) {
    recordRequest(grpc, app, 1000 + n++);
  }
  return exporter.getFinishedSpans().slice(0, BATCH);
}

/** The spans of one GET user: the gRPC server span, its ValidateToken client and SELECT children, an exception every 16th. */
function recordRequest(grpc: Tracer, app: Tracer, id: number): void {
  const server = grpc.startSpan(
    'user.v1.UserService/GetUser',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': 'user.v1.UserService',
        'rpc.method': 'GetUser',
        'rpc.grpc.status_code': 0,
        'server.address': 'user-service',
        'server.port': 50051,
        'network.peer.address': `10.0.0.${id % 250}`,
        'network.peer.port': 40000 + (id % 20000),
        'user.id': `usr_${id.toString(36)}`,
        'app.request.size': 118.5 + (id % 7),
      },
    },
    ROOT_CONTEXT,
  );
  const ctx = trace.setSpan(ROOT_CONTEXT, server);
  const client = grpc.startSpan(
    'auth.v1.AuthService/ValidateToken',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': 'auth.v1.AuthService',
        'rpc.method': 'ValidateToken',
        'rpc.grpc.status_code': 0,
        'server.address': 'auth-service',
        'server.port': 50052,
        'network.peer.address': '10.0.0.9',
        'network.peer.port': 50052,
        'app.token.kind': 'access',
        'app.cache.hit': id % 3 === 0,
      },
    },
    ctx,
  );
  client.end();
  const db = app.startSpan(
    'SELECT users',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'sqlite',
        'db.namespace': 'users.db',
        'db.operation.name': 'SELECT',
        'db.collection.name': 'users',
        'db.query.text': 'select id, email, display_name, created_at from users where id = ? limit 1',
        'db.response.returned_rows': 1,
        'app.query.ms': 0.35 + (id % 10) / 100,
        'app.query.cached': false,
        'app.roles': ['reader', 'user'],
        'code.function.name': 'UserRepository.findById',
      },
    },
    ctx,
  );
  db.end();
  if (id % 16 === 0) {
    server.recordException(new Error(`user usr_${id.toString(36)} not found`));
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'NOT_FOUND' });
  }
  server.end();
}

type Variant = { name: string; run: (spans: ReadableSpan[]) => Uint8Array };

const variants: Variant[] = [
  { name: 'stock ProtobufTraceSerializer', run: (s) => ProtobufTraceSerializer.serializeRequest(s)! },
  { name: 'ours (owned copy)', run: (s) => encodeExportTraceRequest(s) },
  { name: 'ours (view, no copy)', run: (s) => encodeExportTraceRequestView(s) },
];

/** Runs the comparison and prints it. */
export async function run(o: Pick<MicroOptions, 'rounds' | 'iterations'>): Promise<void> {
  const rounds = o.rounds ?? 7;
  const iterations = o.iterations ?? 200;
  const spans = buildBatch();

  // Same bytes, or the comparison is meaningless.
  const reference = Buffer.from(variants[0]!.run(spans));
  for (const v of variants.slice(1)) {
    if (!Buffer.from(v.run(spans)).equals(reference)) throw new Error(`${v.name} differs from stock output`);
  }

  for (const v of variants) for (let i = 0; i < 300; i++) v.run(spans); // JIT warm-up

  // Wall time and CPU time (user+system of this process): on a shared machine the CPU time
  // is the less noisy of the two, since waiting for a core does not count.
  const perSpan = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const cpuPerSpan = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink += v.run(spans).length;
      const ns = Number(process.hrtime.bigint() - t0);
      const cpu = process.cpuUsage(c0);
      perSpan.get(v.name)!.push(ns / 1000 / (iterations * spans.length));
      cpuPerSpan.get(v.name)!.push((cpu.user + cpu.system) / (iterations * spans.length));
    }
  }

  const stockUs = median(perSpan.get(variants[0]!.name)!);
  const stockCpu = median(cpuPerSpan.get(variants[0]!.name)!);
  console.log(`batch: ${spans.length} spans, ${reference.length} bytes (${(reference.length / spans.length).toFixed(1)} bytes/span, identical for all variants)`);
  console.log(`node ${process.version}, ${rounds} rounds x ${iterations} batches, median round\n`);
  console.log(`${'variant'.padEnd(32)} ${'wall µs/span'.padStart(12)} ${'µs/batch'.padStart(9)} ${'speedup'.padStart(8)} ${'cpu µs/span'.padStart(12)} ${'speedup'.padStart(8)}`);
  for (const v of variants) {
    const us = median(perSpan.get(v.name)!);
    const cpu = median(cpuPerSpan.get(v.name)!);
    console.log(
      `${v.name.padEnd(32)} ${us.toFixed(3).padStart(12)} ${(us * spans.length).toFixed(0).padStart(9)} ${('x' + (stockUs / us).toFixed(2)).padStart(8)} ${cpu.toFixed(3).padStart(12)} ${('x' + (stockCpu / cpu).toFixed(2)).padStart(8)}`,
    );
  }
  if (sink === 42) console.log(''); // keep the work observable
  await Promise.resolve();
}
