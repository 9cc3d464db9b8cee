import type { IncomingMessage } from 'node:http';
import { Metadata } from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { UserServiceClient } from '../../../../gen/user/v1/user';
import { createClient } from '../../../../shared/grpc/client';
import { tlsAs } from '../../../support/pki';
import { AutoTracing } from '../../../../shared/telemetry/auto-tracing';
import { useContextManager } from '../../../support/context-manager';

// Auto instrumentation: the stock instrumentations' span is active, and is the request's parent.
describe('tracing interface: auto', () => {
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
});
