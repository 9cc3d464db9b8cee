import type { IncomingMessage } from 'node:http';
import { Metadata } from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { UserServiceClient } from '../../../../gen/user/v1/user';
import { tlsAs } from '../../../support/pki';
import { createClient } from '../../../../shared/grpc/client';
import { AutoTracing, OffTracing } from '../../../../shared/telemetry/span-tracing';
import { useContextManager } from '../../../support/context-manager';

// The two implementations that make no HTTP or gRPC span themselves: tracing off (the caller's
// trace carried by hand) and auto instrumentation (the stock instrumentations' span is active).
describe('tracing interface: off and auto', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('span-tracing-test');
  // Never dialled: the spans of a call that fails to connect are all these tests need.
  let client: UserServiceClient;
  before(async () => {
    client = createClient(UserServiceClient, '127.0.0.1:1', await tlsAs('gateway'));
  });
  useContextManager();
  after(async () => {
    client.close();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const request = (headers: Record<string, string>, url = '/api/v1/users') => ({ headers, url, method: 'GET' }) as unknown as IncomingMessage;

  describe('off', () => {
    const off = new OffTracing(tracer);

    it("carries the caller's traceparent, tracestate and baggage from the request through a span to an outgoing call", async () => {
      const served = off.serveHttp(request({ traceparent, tracestate: 'a=1', baggage: 'k=v' }));
      expect(served.traceResponse()).to.equal(traceparent);
      expect(served.logFields()).to.deep.equal({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
      const metadata = new Metadata();
      await off.inSpan('trpc users.get', {}, served.parent, (span) => off.callGrpc(client, '/user.v1.UserService/GetUser', span, metadata)(null));
      expect(metadata.get('traceparent')).to.deep.equal([traceparent]);
      expect(metadata.get('tracestate')).to.deep.equal(['a=1']);
      expect(metadata.get('baggage')).to.deep.equal(['k=v']);
    });

    it('reads a served call the same way, and drops a malformed traceparent with its tracestate', () => {
      const md = new Metadata();
      md.set('traceparent', traceparent);
      expect(off.serveGrpc('/user.v1.UserService/GetUser', md).logFields()).to.deep.equal({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
      const bad = off.serveHttp(request({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01', tracestate: 'a=1' }));
      expect(bad.traceResponse()).to.equal(undefined);
      expect(bad.logFields()).to.deep.equal({});
      const metadata = new Metadata();
      off.callGrpc(client, '/user.v1.UserService/GetUser', bad.parent, metadata)(null);
      expect(metadata.getMap()).to.deep.equal({});
    });

    it('has no logger mixin, and its spans (operation, DB) go to whatever provider it is given', async () => {
      expect(off.loggerOptions).to.deep.equal({});
      await off.inSpan('GetUser', { operation: 'get_user' }, undefined, () => off.dbStatement('SELECT users', { 'db.operation.name': 'SELECT' }, async () => 1));
      expect(exporter.getFinishedSpans().map((s) => s.name).sort()).to.deep.equal(['GetUser', 'SELECT users']);
    });
  });

  describe('off, as a process with tracing disabled has it (no tracer)', () => {
    const off = new OffTracing();

    it('makes no span: the work runs as part of its parent, which it hands on, and the caller\'s headers still travel', async () => {
      const global = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(global)] });
      const registered = trace.setGlobalTracerProvider(provider);
      try {
        const served = off.serveHttp(request({ traceparent }));
        let handedOn: unknown;
        const metadata = new Metadata();
        const value = await off.inSpan('trpc users.get', {}, served.parent, (span) => {
          handedOn = span;
          off.callGrpc(client, '/user.v1.UserService/GetUser', span, metadata)(null);
          return off.dbStatement('SELECT users', {}, async () => 'row');
        });
        expect(value).to.equal('row');
        expect(handedOn).to.equal(served.parent);
        expect(metadata.get('traceparent')).to.deep.equal([traceparent]);
        // Not even a registered provider gets a span: none is made.
        expect(global.getFinishedSpans()).to.deep.equal([]);
        expect(registered, 'this test registered the global provider').to.equal(true);
      } finally {
        if (registered) trace.disable();
        await provider.shutdown();
      }
    });

    it('passes failures through, thrown at once or rejected', async () => {
      const boom = new Error('boom');
      expect(await off.inSpan('x', {}, undefined, () => { throw boom; }).catch((e: unknown) => e)).to.equal(boom);
      expect(await off.inSpan('x', {}, undefined, () => Promise.reject(boom)).catch((e: unknown) => e)).to.equal(boom);
      expect(await off.dbStatement('SELECT users', {}, () => Promise.reject(boom)).catch((e: unknown) => e)).to.equal(boom);
    });
  });

  describe('auto', () => {
    const auto = new AutoTracing(tracer);

    it("takes the active span (the instrumentation's) as the request's parent, and adds nothing to log lines", async () => {
      const server = tracer.startSpan('GET', { kind: SpanKind.SERVER });
      const served = context.with(trace.setSpan(ROOT_CONTEXT, server), () => auto.serveHttp(request({})));
      const { traceId, spanId } = server.spanContext();
      expect(served.traceResponse()).to.equal(`00-${traceId}-${spanId}-01`);
      expect(served.logFields()).to.deep.equal({});
      let activeInside: string | undefined;
      await auto.inSpan('trpc users.get', {}, served.parent, async (span) => {
        activeInside = trace.getActiveSpan()?.spanContext().spanId;
        span.setAttribute('trpc.error_code', 'NOT_FOUND');
        span.fail(new Error('user not found'));
      });
      server.end();
      const trpc = exporter.getFinishedSpans().find((s) => s.name === 'trpc users.get')!;
      expect(trpc.parentSpanContext?.spanId).to.equal(spanId);
      expect(activeInside).to.equal(trpc.spanContext().spanId);
      expect(trpc.attributes['trpc.error_code']).to.equal('NOT_FOUND');
      expect(trpc.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'user not found' });
      // The patched client writes the metadata itself.
      const metadata = new Metadata();
      auto.callGrpc(client, '/user.v1.UserService/GetUser', served.parent, metadata)(null);
      expect(metadata.getMap()).to.deep.equal({});
    });

    it('without an active span has no traceresponse', () => {
      expect(auto.serveHttp(request({})).traceResponse()).to.equal(undefined);
    });
  });

  it('a failed DB statement is recorded by its class only, and rethrown as is', async () => {
    const off = new OffTracing(tracer);
    const failure = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key" (x@example.com)'), { code: '23505' });
    const thrown = await off.dbStatement('INSERT users', {}, () => Promise.reject(failure)).catch((e: unknown) => e);
    expect(thrown).to.equal(failure);
    const [span] = exporter.getFinishedSpans();
    expect(span!.kind).to.equal(SpanKind.CLIENT);
    expect(span!.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'Error' });
    expect(span!.events.map((e) => [e.name, e.attributes])).to.deep.equal([['exception', { 'exception.type': '23505' }]]);
    expect(JSON.stringify(span!.events)).to.not.include('x@example.com');
  });

  it('a span whose work throws at once, or returns a plain value, still ends', async () => {
    const off = new OffTracing(tracer);
    expect(await off.inSpan('plain', {}, undefined, () => 7)).to.equal(7);
    const err = await off
      .inSpan('throws', {}, undefined, () => {
        throw new Error('boom');
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).to.equal('boom');
    const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s]));
    expect(byName.get('plain')!.status.code).to.equal(SpanStatusCode.UNSET);
    expect(byName.get('throws')!.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'boom' });
  });
});
