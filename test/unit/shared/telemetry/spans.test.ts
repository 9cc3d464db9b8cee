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
