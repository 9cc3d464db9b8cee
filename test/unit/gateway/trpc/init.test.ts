import { context, SpanKind, SpanStatusCode, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TRPCError } from '@trpc/server';
import { expect } from 'chai';
import { z } from 'zod';
import { createCallerFactory, router, tracedProcedure } from '../../../../gateway/trpc/init';
import type { Context } from '../../../../gateway/trpc/context';
import { LeanTracing } from '../../../../shared/telemetry/lean/lean-tracing';
import { useContextManager } from '../../../support/context-manager';

// The tRPC span middleware gets a tracing of its own here, on its own tracer (no global tracer
// provider is touched), and a context manager is installed only for this suite so that "active
// span" means something.
describe('gateway: the tRPC span middleware', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('gateway-test');
  useContextManager();

  after(async () => {
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  const p = tracedProcedure(() => new LeanTracing(tracer));
  let activeInResolver: string | undefined;
  const testRouter = router({
    users: router({
      get: p.input(z.object({ id: z.string() })).query(({ input }) => {
        activeInResolver = trace.getActiveSpan()?.spanContext().spanId;
        tracer.startSpan('grpc child').end();
        return { id: input.id };
      }),
      remove: p.input(z.object({ id: z.string() })).mutation(() => {
        throw new TRPCError({ code: 'NOT_FOUND', message: 'user not found' });
      }),
    }),
  });
  const caller = createCallerFactory(testRouter)({ trace: undefined } as Context);

  it('wraps a query in an INTERNAL span "trpc <path>" with rpc attributes, active while it runs', async () => {
    const parent = tracer.startSpan('http server');
    await context.with(trace.setSpan(ROOT_CONTEXT, parent), () => caller.users.get({ id: 'secret-input-value' }));
    parent.end();
    const spans = exporter.getFinishedSpans();
    const span = spans.find((s) => s.name === 'trpc users.get')!;
    expect(span).to.not.equal(undefined);
    expect(span.kind).to.equal(SpanKind.INTERNAL);
    expect(span.attributes).to.deep.equal({ 'rpc.system': 'trpc', 'rpc.method': 'users.get', 'trpc.type': 'query' });
    expect(span.status.code).to.not.equal(SpanStatusCode.ERROR);
    expect(span.parentSpanContext?.spanId).to.equal(parent.spanContext().spanId);
    expect(activeInResolver).to.equal(span.spanContext().spanId);
    const child = spans.find((s) => s.name === 'grpc child')!;
    expect(child.parentSpanContext?.spanId).to.equal(span.spanContext().spanId);
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events]))).to.not.include('secret-input-value');
  });

  it('marks a failed mutation ERROR with the exception and the tRPC code', async () => {
    const err = await caller.users.remove({ id: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TRPCError);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'trpc users.remove')!;
    expect(span.attributes['trpc.type']).to.equal('mutation');
    expect(span.attributes['trpc.error_code']).to.equal('NOT_FOUND');
    expect(span.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'user not found' });
    expect(span.events.map((e) => e.name)).to.deep.equal(['exception']);
  });

  it('records input validation failures as errors too', async () => {
    await caller.users.get({ id: 7 as unknown as string }).catch(() => undefined);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'trpc users.get')!;
    expect(span.status.code).to.equal(SpanStatusCode.ERROR);
    expect(span.attributes['trpc.error_code']).to.equal('BAD_REQUEST');
  });
});
