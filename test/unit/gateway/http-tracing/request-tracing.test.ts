import { EventEmitter } from 'node:events';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import type { Request, Response } from 'express';
import pino from 'pino';
import { traceRequests } from '../../../../gateway/http-tracing/request-tracing';
import { setTracing, tracing } from '../../../../shared/telemetry/active-config';
import { AutoTracing } from '../../../../shared/telemetry/auto-tracing';
import { OffTracing } from '../../../../shared/telemetry/off-tracing';
import { useContextManager } from '../../../support/context-manager';

// The gateway's first middleware; a context manager is installed only for this suite so that
// "active span" means something.
describe('gateway: request tracing middleware', () => {
  const provider = new BasicTracerProvider();
  const tracer = provider.getTracer('gateway-test');
  useContextManager();
  // The process's tracing as it was, put back after each test that replaces it.
  const original = tracing();
  afterEach(() => setTracing(original));

  after(async () => {
    await provider.shutdown();
  });

  describe('traceresponse header', () => {
    const middleware = traceRequests(pino({ level: 'silent' }), () => '203.0.113.9');
    const run = (incoming: Record<string, string> = {}): Record<string, string> => {
      const headers: Record<string, string> = {};
      const res = { setHeader: (name: string, value: string) => (headers[name] = value), once: () => res } as unknown as Response;
      let nextCalled = false;
      middleware({ headers: incoming, url: '/api/v1/users', method: 'GET' } as unknown as Request, res, () => (nextCalled = true));
      expect(nextCalled).to.equal(true);
      return headers;
    };
    // Which span the header names depends on who made it: here, as with auto instrumentation,
    // the active one; with tracing off, none (the default of a process that never started tracing).
    beforeEach(() => setTracing(new AutoTracing(tracer)));

    it('is 00-<trace-id>-<span-id>-<flags> of the active span', () => {
      const span = tracer.startSpan('http server');
      const headers = context.with(trace.setSpan(ROOT_CONTEXT, span), () => run());
      span.end();
      const { traceId, spanId } = span.spanContext();
      expect(headers).to.deep.equal({ traceresponse: `00-${traceId}-${spanId}-01` });
    });

    it("hands tracing the client address its resolver gives: the server span's client.address", () => {
      const span = tracer.startSpan('http server', { attributes: { 'client.address': '198.51.100.66' } });
      context.with(trace.setSpan(ROOT_CONTEXT, span), () => run({ 'x-forwarded-for': '198.51.100.66' }));
      span.end();
      expect((span as unknown as ReadableSpan).attributes['client.address']).to.equal('203.0.113.9');
    });

    it('is left out without a valid span context', () => {
      expect(run()).to.deep.equal({});
      const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
      expect(context.with(trace.setSpan(ROOT_CONTEXT, invalid), () => run())).to.deep.equal({});
    });

    it("with tracing off (no span) is the caller's own valid traceparent, re-serialised as version 00", () => {
      setTracing(new OffTracing());
      const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      expect(run({ traceparent: tp })).to.deep.equal({ traceresponse: tp });
      expect(run({ traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future' })).to.deep.equal({
        traceresponse: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
      });
      expect(run({ traceparent: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).to.deep.equal({});
    });
  });

  describe('on the response\'s close', () => {
    beforeEach(() => setTracing(new OffTracing()));

    it('writes one request line with the route, status, duration and the trace fields; an aborted response is a warning', () => {
      const lines: Array<Record<string, unknown>> = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      const middleware = traceRequests(logger, () => '127.0.0.1');
      const respond = (finished: boolean) => {
        const req = new EventEmitter() as unknown as Request;
        Object.assign(req, {
          headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', authorization: 'Bearer secret-token' },
          url: '/api/v1/users/42?token=secret',
          originalUrl: '/api/v1/users/42?token=secret',
          method: 'GET',
          baseUrl: '/api/v1',
          route: { path: '/users/:id' },
        });
        const res = new EventEmitter() as unknown as Response & EventEmitter;
        Object.assign(res, { statusCode: 200, writableFinished: finished, setHeader: () => res });
        middleware(req, res, () => undefined);
        expect(res.listenerCount('close'), 'one close listener a response').to.equal(1);
        res.emit('close');
      };
      respond(true);
      respond(false);
      expect(lines.map(({ level, msg, method, path, status, trace_id, span_id, aborted }) => ({ level, msg, method, path, status, trace_id, span_id, aborted }))).to.deep.equal([
        { level: 30, msg: 'request', method: 'GET', path: '/api/v1/users/:id', status: 200, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', aborted: undefined },
        { level: 40, msg: 'request', method: 'GET', path: '/api/v1/users/:id', status: 200, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', aborted: true },
      ]);
      expect(lines.every((l) => typeof l.durationMs === 'number')).to.equal(true);
      expect(JSON.stringify(lines)).to.not.include('secret');
    });
  });
});
