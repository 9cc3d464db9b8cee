import { Metadata } from '@grpc/grpc-js';
import { expect } from 'chai';
import {
  httpHeaderGetter,
  injectTraceHeaders,
  metadataGetter,
  parseTraceHeaders,
  traceLogFields,
} from '../../../../shared/telemetry/trace-headers';

// The by-hand propagation used when tracing is disabled must follow the same W3C rules as the
// W3CTraceContextPropagator it replaces: a bad traceparent restarts the trace and drops tracestate.
describe('trace headers carried by hand (tracing disabled)', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const SPAN = '00f067aa0ba902b7';
  const from = (headers: Record<string, string>) => parseTraceHeaders((name) => headers[name]);

  it('parses a valid traceparent, tracestate and baggage', () => {
    expect(from({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', baggage: 'tenant=acme' })).to.deep.equal({
      traceparent: `00-${TRACE}-${SPAN}-01`,
      traceId: TRACE,
      spanId: SPAN,
      tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      baggage: 'tenant=acme',
    });
  });

  for (const [why, value] of [
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['a short trace id', `00-${TRACE.slice(2)}-${SPAN}-01`],
    ['version 00 with extra fields', `00-${TRACE}-${SPAN}-01-extra`],
    ['garbage', 'not-a-traceparent'],
  ] as const) {
    it(`ignores a traceparent with ${why}, and its tracestate with it`, () => {
      expect(from({ traceparent: value, tracestate: 'rojo=1' })).to.equal(undefined);
    });
  }

  it('accepts a future version by its first four fields and forwards it as version 00', () => {
    expect(from({ traceparent: `cc-${TRACE}-${SPAN}-00-what-the-future-holds` })?.traceparent).to.equal(`00-${TRACE}-${SPAN}-00`);
  });

  it('drops an invalid tracestate but keeps the trace, and drops an oversized baggage header', () => {
    const parsed = from({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'not a list member', baggage: `k=${'v'.repeat(9000)}` });
    expect(parsed).to.deep.equal({ traceparent: `00-${TRACE}-${SPAN}-01`, traceId: TRACE, spanId: SPAN });
  });

  it('drops a baggage header that could not travel as gRPC metadata (non-ASCII), instead of failing the call', () => {
    const parsed = from({ traceparent: `00-${TRACE}-${SPAN}-01`, baggage: 'user=j\u00fcrgen' });
    expect(parsed?.baggage).to.equal(undefined);
    const md = new Metadata();
    expect(() => injectTraceHeaders(parsed!, (name, value) => md.set(name, value))).to.not.throw();
    expect(() => md.set('baggage', 'user=j\u00fcrgen'), 'grpc-js itself refuses it').to.throw();
  });

  it('reads gRPC metadata and HTTP headers, and writes metadata a server reads back', () => {
    const incoming = new Metadata();
    incoming.set('traceparent', `00-${TRACE}-${SPAN}-01`);
    incoming.set('tracestate', 'rojo=1');
    const parsed = parseTraceHeaders(metadataGetter(incoming))!;
    expect(parsed.traceId).to.equal(TRACE);
    expect(parseTraceHeaders(httpHeaderGetter({ traceparent: [`00-${TRACE}-${SPAN}-01`, 'x'] }))?.spanId).to.equal(SPAN);

    const outgoing = new Metadata();
    injectTraceHeaders(parsed, (name, value) => outgoing.set(name, value));
    expect(outgoing.getMap()).to.deep.equal({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'rojo=1' });
  });

  it('gives log lines the trace and parent id of the caller, and nothing without a trace', () => {
    expect(traceLogFields(from({ traceparent: `00-${TRACE}-${SPAN}-01` }))).to.deep.equal({ trace_id: TRACE, span_id: SPAN });
    expect(traceLogFields(undefined)).to.deep.equal({});
  });
});
