import { Metadata } from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { OffTracing } from '../../../../shared/telemetry/off-tracing';
import { CALLER_TRACEPARENT, incomingRequest, useRecordingTracer } from '../../../support/recording-tracer';

// The spans every implementation makes the same way (SpanTracing), seen through the simplest one.
describe('tracing interface: operation and DB spans (spans.ts)', () => {
  const { exporter, tracer, client } = useRecordingTracer();
  const traceparent = CALLER_TRACEPARENT;
  const request = incomingRequest;

  it('a failed DB statement is recorded by its class only, and rethrown as is', async () => {
    const off = new OffTracing(tracer);
    const failure = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key" (x@example.com)'), { code: '23505' });
    const thrown = await off.dbStatement(() => ({ name: 'INSERT users', attributes: {} }), () => Promise.reject(failure)).catch((e: unknown) => e);
    expect(thrown).to.equal(failure);
    const [span] = exporter.getFinishedSpans();
    expect(span!.kind).to.equal(SpanKind.CLIENT);
    expect(span!.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'Error' });
    expect(span!.events.map((e) => [e.name, e.attributes])).to.deep.equal([['exception', { 'exception.type': '23505' }]]);
    expect(JSON.stringify(span!.events)).to.not.include('x@example.com');
  });

  it('a DB statement is described only when its span records: once when sampled, never under an unsampled parent', async () => {
    const off = new OffTracing(tracer);
    let described = 0;
    const describe = () => {
      described++;
      return { name: 'SELECT users', attributes: { 'db.operation.name': 'SELECT', 'db.collection.name': 'users' } };
    };
    const under = (traceFlags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags, isRemote: true });
    expect(await context.with(under(0), () => off.dbStatement(describe, async () => 'unsampled'))).to.equal('unsampled');
    expect(described, 'described for a span nobody records').to.equal(0);
    expect(exporter.getFinishedSpans()).to.deep.equal([]);
    expect(await context.with(under(1), () => off.dbStatement(describe, async () => 'sampled'))).to.equal('sampled');
    expect(described).to.equal(1);
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).to.equal('SELECT users');
    expect(span!.kind).to.equal(SpanKind.CLIENT);
    expect(span!.attributes).to.deep.equal({ 'db.operation.name': 'SELECT', 'db.collection.name': 'users' });
    expect(span!.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
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
