import type { IncomingMessage } from 'node:http';
import { Metadata } from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { UserServiceClient } from '../../../../../gen/user/v1/user';
import { tlsAs } from '../../../../support/pki';
import { createClient } from '../../../../../shared/grpc/client';
import { LeanTracing } from '../../../../../shared/telemetry/lean/lean-tracing';
import { LeanTracerProvider } from '../../../../../shared/telemetry/lean/lean-tracer';
import { PooledIdGenerator } from '../../../../../shared/telemetry/lean/pooled-ids';
import { createSampling } from '../../../../../shared/telemetry/lean/sampling';
import { LeanW3CPropagator } from '../../../../../shared/telemetry/lean/w3c-propagator';

// Lean tracing's own spans, on a tracer of the test's: the HTTP request, a served call, the
// operation under it and the call it makes, chained through the one parent value.
describe('tracing interface: lean', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const lean = new LeanTracing(provider.getTracer('lean-tracing-test'));
  // Never dialled: the spans of a call that fails to connect are all these tests need.
  let client: UserServiceClient;
  before(async () => {
    client = createClient(UserServiceClient, '127.0.0.1:50051', await tlsAs('gateway'), { server: 'user-service' });
  });
  let installed = false;
  before(() => {
    installed = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // The propagator startSdk registers for lean tracing, whatever another file left.
    propagation.disable();
    propagation.setGlobalPropagator(new LeanW3CPropagator());
  });
  after(async () => {
    if (installed) context.disable();
    propagation.disable();
    client.close();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const request = (url: string, headers: Record<string, string> = {}) =>
    ({ headers: { host: '127.0.0.1:8080', ...headers }, url, method: 'GET', httpVersion: '1.1', socket: { remoteAddress: '127.0.0.1', remotePort: 5000, localAddress: '127.0.0.1', localPort: 8080 } }) as unknown as IncomingMessage;

  it('an HTTP request records the client address handed to it, else the socket peer; never a forwarded header or the query', () => {
    const forged = { 'x-forwarded-for': '10.0.0.5', forwarded: 'for=198.51.100.66;host=admin.internal.example', 'x-forwarded-host': 'admin.internal.example' };
    lean.serveHttp(request('/a?password=hunter2-x', forged), '203.0.113.9').end(200, undefined);
    lean.serveHttp(request('/b?jwt=hunter2-y', forged)).end(200, undefined);
    const [resolved, socket] = exporter.getFinishedSpans().map((s) => s.attributes);
    expect(resolved).to.include({ 'client.address': '203.0.113.9', 'server.address': '127.0.0.1', 'server.port': 8080 });
    expect(socket).to.include({ 'client.address': '127.0.0.1', 'server.address': '127.0.0.1', 'server.port': 8080 });
    expect(JSON.stringify([resolved, socket])).to.not.match(/10\.0\.0\.5|198\.51|admin\.internal|hunter2/);
  });

  it("an HTTP request continues the caller's trace, is named by its route and answers with traceresponse", async () => {
    const served = lean.serveHttp(request('/api/v1/users/42', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
    const metadata = new Metadata();
    await lean.inSpan('trpc users.get', {}, served.parent, (span) => lean.callGrpc(client, '/user.v1.UserService/GetUser', span, metadata)(null));
    served.end(404, '/api/v1/users/:id');
    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const http = spans.get('GET /api/v1/users/:id')!;
    expect(http.kind).to.equal(SpanKind.SERVER);
    expect(http.spanContext().traceId).to.equal(traceId);
    expect(http.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    expect(http.attributes).to.include({ 'http.request.method': 'GET', 'url.path': '/api/v1/users/42', 'http.route': '/api/v1/users/:id', 'http.response.status_code': 404 });
    // 4xx is the client's error, not the server's.
    expect(http.status.code).to.equal(SpanStatusCode.UNSET);
    expect(served.traceResponse()).to.equal(`00-${traceId}-${http.spanContext().spanId}-01`);
    expect(served.logFields()).to.deep.equal({ trace_id: traceId, span_id: http.spanContext().spanId, trace_flags: '01' });
    const trpc = spans.get('trpc users.get')!;
    const call = spans.get('grpc.user.v1.UserService/GetUser')!;
    expect(trpc.parentSpanContext?.spanId).to.equal(http.spanContext().spanId);
    expect(call.parentSpanContext?.spanId).to.equal(trpc.spanContext().spanId);
    expect(call.kind).to.equal(SpanKind.CLIENT);
    expect(call.attributes).to.include({ 'rpc.system': 'grpc', 'rpc.service': 'user.v1.UserService', 'rpc.method': 'GetUser', 'server.address': '127.0.0.1', 'server.port': 50051, 'rpc.grpc.status_code': 0 });
    expect(metadata.get('traceparent')).to.deep.equal([`00-${traceId}-${call.spanContext().spanId}-01`]);
  });

  it('a 5xx or a response that never got a status is an error', () => {
    lean.serveHttp(request('/a')).end(503, undefined);
    lean.serveHttp(request('/b')).end(0, undefined);
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.status.code])).to.deep.equal([
      ['GET', SpanStatusCode.ERROR],
      ['GET', SpanStatusCode.ERROR],
    ]);
  });

  it('health and readiness probes get no span, no traceresponse and no trace fields', () => {
    const served = lean.serveHttp(request('/health?x=1'));
    served.end(200, '/health');
    expect(served.traceResponse()).to.equal(undefined);
    expect(served.logFields()).to.deep.equal({});
    expect(exporter.getFinishedSpans()).to.deep.equal([]);
  });

  it('a served call: SERVER span, operation span under it, the status on the server span', async () => {
    const served = lean.serveGrpc('/auth.v1.AuthService/ValidateToken', new Metadata());
    const err = await lean
      .inSpan('ValidateToken', { operation: 'validate_token' }, served.parent, (span) => {
        span.setAttribute('enduser.id', 'u1');
        throw new Error('token expired');
      })
      .catch((e: unknown) => e);
    served.end({ code: 16 });
    expect((err as Error).message).to.equal('token expired');
    const spans = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    const server = spans.get('grpc.auth.v1.AuthService/ValidateToken')!;
    const op = spans.get('ValidateToken')!;
    expect(server.kind).to.equal(SpanKind.SERVER);
    expect(server.attributes).to.include({ 'rpc.system': 'grpc', 'rpc.method': 'ValidateToken', 'rpc.grpc.status_code': 16 });
    expect(server.status.code).to.equal(SpanStatusCode.ERROR);
    expect(op.parentSpanContext?.spanId).to.equal(server.spanContext().spanId);
    expect(op.attributes).to.deep.equal({ operation: 'validate_token', 'enduser.id': 'u1' });
    expect(op.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'token expired' });
    expect(served.logFields().trace_id).to.equal(server.spanContext().traceId);
  });

  it("gives log lines written inside a span that span's ids, and leaves a line with its own alone", () => {
    const { mixin, mixinMergeStrategy } = lean.loggerOptions;
    const span = provider.getTracer('t').startSpan('inside');
    const { traceId: id, spanId } = span.spanContext();
    const fields = context.with(trace.setSpan(context.active(), span), () => mixin!({}));
    expect(mixinMergeStrategy!({ msg: 'x' }, fields)).to.deep.equal({ trace_id: id, span_id: spanId, trace_flags: '01', msg: 'x' });
    const own = { trace_id: 'mine' };
    expect(mixinMergeStrategy!(own, context.with(trace.setSpan(context.active(), span), () => mixin!(own)))).to.equal(own);
    span.end();
  });

  it('health checks and reflection made through unary() get no client span', () => {
    const metadata = new Metadata();
    lean.callGrpc(client, '/grpc.health.v1.Health/Check', undefined, metadata)(null);
    expect(exporter.getFinishedSpans()).to.deep.equal([]);
    expect(metadata.getMap()).to.deep.equal({});
  });

  describe('parent-based, in a trace its caller did not sample', () => {
    const unsampledExporter = new InMemorySpanExporter();
    const lean = new LeanTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'unsampled-test' }),
      sampled: createSampling({ rate: 1, parentBased: true }),
      idGenerator: new PooledIdGenerator(),
      processors: [new SimpleSpanProcessor(unsampledExporter)],
    });
    const served = (flags: string) => {
      const metadata = new Metadata();
      metadata.set('traceparent', `00-${traceId}-00f067aa0ba902b7-${flags}`);
      return metadata;
    };
    beforeEach(() => unsampledExporter.reset());

    /** One served call: an operation, a statement in it and a call out; what the operation was handed and saw. */
    async function serveOne(tracing: LeanTracing, flags: string) {
      const call = tracing.serveGrpc('/user.v1.UserService/GetUser', served(flags));
      const out = new Metadata();
      let described = 0;
      let handed: unknown;
      let active: string | undefined;
      await tracing.inSpan('GetUser', { operation: 'get_user' }, call.parent, async (span) => {
        handed = span;
        active = trace.getActiveSpan()?.spanContext().spanId;
        await tracing.dbStatement(() => {
          described++;
          return { name: 'SELECT users', attributes: { 'db.operation.name': 'SELECT' } };
        }, async () => 1);
        tracing.callGrpc(client, '/auth.v1.AuthService/ValidateToken', span, out)(null);
      });
      call.end(null);
      return { call, out, described, handed, active };
    }

    it('an operation and its statements make no span of their own: the parent is handed on and active, and the call carries the trace on, unsampled', async () => {
      const tracing = new LeanTracing(lean.getTracer('t'), { propagator: new LeanW3CPropagator(), parentBased: true });
      const { call, out, described, handed, active } = await serveOne(tracing, '00');
      expect(handed).to.equal(call.parent);
      expect(active).to.equal(call.logFields().span_id);
      expect(described, 'a statement nobody records is not described').to.equal(0);
      expect(unsampledExporter.getFinishedSpans()).to.deep.equal([]);
      const [traceparent] = out.get('traceparent');
      expect(traceparent).to.match(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
      expect(call.logFields()).to.include({ trace_id: traceId, trace_flags: '00' });
    });

    it('a sampled trace still gets the operation and statement spans, and without parent-based sampling every span goes to the sampler', async () => {
      const parentBased = new LeanTracing(lean.getTracer('t'), { propagator: new LeanW3CPropagator(), parentBased: true });
      const sampled = await serveOne(parentBased, '01');
      expect(sampled.described).to.equal(1);
      expect(unsampledExporter.getFinishedSpans().map((s) => s.name).sort()).to.deep.equal(['GetUser', 'SELECT users', 'grpc.auth.v1.AuthService/ValidateToken', 'grpc.user.v1.UserService/GetUser']);
      unsampledExporter.reset();
      // A sampler that ignores the parent (rate 1) records the unsampled caller's trace: nothing is skipped.
      const ratio = new LeanTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'ratio-test' }),
        sampled: createSampling({ rate: 1, parentBased: false }),
        idGenerator: new PooledIdGenerator(),
        processors: [new SimpleSpanProcessor(unsampledExporter)],
      });
      const own = await serveOne(new LeanTracing(ratio.getTracer('t'), { propagator: new LeanW3CPropagator(), parentBased: false }), '00');
      expect(own.described).to.equal(1);
      expect(unsampledExporter.getFinishedSpans().map((s) => s.name)).to.include.members(['GetUser', 'SELECT users']);
    });
  });
});
