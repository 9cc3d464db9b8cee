import { Metadata } from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { OffTracing } from '../../../../shared/telemetry/off-tracing';
import { CALLER_TRACEPARENT, incomingRequest, useRecordingTracer } from '../../../support/recording-tracer';

// Tracing off: the caller's trace carried by hand, no HTTP or gRPC span made.
describe('tracing interface: off', () => {
  const { exporter, tracer, provider, client } = useRecordingTracer();
  const traceparent = CALLER_TRACEPARENT;
  const request = incomingRequest;

  describe('with a tracer', () => {
    const off = new OffTracing(tracer);

    it("carries the caller's traceparent, tracestate and baggage from the request through a span to an outgoing call", async () => {
      const served = off.serveHttp(request({ traceparent, tracestate: 'a=1', baggage: 'k=v' }));
      expect(served.traceResponse()).to.equal(traceparent);
      expect(served.logFields()).to.deep.equal({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
      const metadata = new Metadata();
      await off.inSpan('trpc users.get', {}, served.parent, (span) => off.callGrpc(client(), '/user.v1.UserService/GetUser', span, metadata)(null));
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
      off.callGrpc(client(), '/user.v1.UserService/GetUser', bad.parent, metadata)(null);
      expect(metadata.getMap()).to.deep.equal({});
    });

    it('has no logger mixin, and its spans (operation, DB) go to whatever provider it is given', async () => {
      expect(off.loggerOptions).to.deep.equal({});
      await off.inSpan('GetUser', { operation: 'get_user' }, undefined, () => off.dbStatement(() => ({ name: 'SELECT users', attributes: { 'db.operation.name': 'SELECT' } }), async () => 1));
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
          off.callGrpc(client(), '/user.v1.UserService/GetUser', span, metadata)(null);
          return off.dbStatement(() => ({ name: 'SELECT users', attributes: {} }), async () => 'row');
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
      expect(await off.dbStatement(() => ({ name: 'SELECT users', attributes: {} }), () => Promise.reject(boom)).catch((e: unknown) => e)).to.equal(boom);
    });
  });
});
