import { Metadata } from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { AutoTracing } from '../../../../shared/telemetry/auto-tracing';
import { CALLER_TRACEPARENT, incomingRequest, useRecordingTracer } from '../../../support/recording-tracer';

// Auto instrumentation: the stock instrumentations' span is active, and is the request's parent.
describe('tracing interface: auto', () => {
  const { exporter, tracer, client } = useRecordingTracer();
  const traceparent = CALLER_TRACEPARENT;
  const request = incomingRequest;

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
      auto.callGrpc(client(), '/user.v1.UserService/GetUser', served.parent, metadata)(null);
      expect(metadata.getMap()).to.deep.equal({});
    });

    it('without an active span has no traceresponse', () => {
      expect(auto.serveHttp(request({})).traceResponse()).to.equal(undefined);
    });
  });
});
