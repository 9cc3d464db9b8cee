import type { IncomingMessage } from 'node:http';
import { Metadata } from '@grpc/grpc-js';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { UserServiceClient } from '../../../../gen/user/v1/user';
import { createClient } from '../../../../shared/grpc/client';
import { tlsAs } from '../../../support/pki';
import { OffTracing } from '../../../../shared/telemetry/off-tracing';
import { useContextManager } from '../../../support/context-manager';

// The spans every implementation makes the same way (SpanTracing), seen through the simplest one.
describe('tracing interface: operation and DB spans (spans.ts)', () => {
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
