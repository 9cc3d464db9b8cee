// The lean tracing parts checked against the stock OpenTelemetry pieces they replace: the same
// inputs through both, the same observable results.
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { exportStats } from '../../../../../shared/telemetry/export-stats';
import { LeanTracerProvider } from '../../../../../shared/telemetry/lean/lean-tracer';
import { PooledIdGenerator } from '../../../../../shared/telemetry/lean/pooled-ids';
import { createSampling } from '../../../../../shared/telemetry/lean/sampling';
import { LeanW3CPropagator } from '../../../../../shared/telemetry/lean/w3c-propagator';
import { parseTraceparentFast } from '../../../../../shared/telemetry/trace-headers';
import { encodeExportTraceRequest } from '../../../../../shared/telemetry/otlp/encode-trace';
import { LeanOtlpProcessor } from '../../../../../shared/telemetry/otlp/lean-otlp-processor';
import { decode } from '../../../../support/otlp-proto';

const stockPropagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
const leanPropagator = new LeanW3CPropagator();

const TRACEPARENTS = [
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09',
  '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
  '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
  'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
  ' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g',
  '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
  '00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'garbage',
  '',
];

function extracted(p: typeof stockPropagator | LeanW3CPropagator, headers: Record<string, string | undefined>) {
  const ctx = p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const sc = trace.getSpanContext(ctx);
  const baggage = propagation.getBaggage(ctx);
  return {
    span: sc && { ...sc, traceState: sc.traceState?.serialize() },
    baggage: baggage?.getAllEntries().map(([k, v]) => [k, v.value, v.metadata?.toString()]),
  };
}

function injected(p: typeof stockPropagator | LeanW3CPropagator, ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  p.inject(ctx, out, defaultTextMapSetter);
  return out;
}

describe('lean W3C propagator (against CompositePropagator of the stock W3C propagators)', () => {
  it('extracts every traceparent case exactly as the stock one does', () => {
    for (const traceparent of TRACEPARENTS) {
      for (const extra of [{}, { tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' }, { tracestate: '' }]) {
        const headers = { traceparent, ...extra };
        expect(extracted(leanPropagator, headers), JSON.stringify(headers)).to.deep.equal(extracted(stockPropagator, headers));
      }
    }
    expect(parseTraceparentFast(TRACEPARENTS[0]!)).to.deep.equal({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
  });

  it('extracts baggage with and without a traceparent, as the stock one does', () => {
    for (const headers of [
      { baggage: 'userId=alice,serverNode=DF%2028;prop=1' },
      { traceparent: TRACEPARENTS[0]!, baggage: 'a=1' },
      { traceparent: TRACEPARENTS[0]!, baggage: '' },
    ]) {
      expect(extracted(leanPropagator, headers), JSON.stringify(headers)).to.deep.equal(extracted(stockPropagator, headers));
    }
  });

  it('injects the same headers (traceparent, tracestate, baggage) as the stock one', () => {
    const withState = stockPropagator.extract(ROOT_CONTEXT, { traceparent: TRACEPARENTS[0]!, tracestate: 'a=b,c=d', baggage: 'k=v' }, defaultTextMapGetter);
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });
    const invalid = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: '00f067aa0ba902b7', traceFlags: 1 });
    for (const ctx of [withState, unsampled, invalid, ROOT_CONTEXT]) {
      expect(injected(leanPropagator, ctx)).to.deep.equal(injected(stockPropagator, ctx));
    }
    // Every flags byte, including those the stock propagator writes in three digits (`010`).
    for (let traceFlags = 0; traceFlags < 256; traceFlags++) {
      const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags });
      expect(injected(leanPropagator, ctx), `flags ${traceFlags}`).to.deep.equal(injected(stockPropagator, ctx));
    }
    expect(injected(leanPropagator, withState)).to.deep.equal({
      traceparent: TRACEPARENTS[0],
      tracestate: 'a=b,c=d',
      baggage: 'k=v',
    });
  });
});

describe('lean sampling (against ParentBasedSampler(TraceIdRatioBasedSampler))', () => {
  const ids = new PooledIdGenerator();
  for (const rate of [0, 0.1, 0.5, 1]) {
    it(`makes the stock decision for every trace id and parent at rate ${rate}`, () => {
      const stock = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(rate) });
      const lean = createSampling({ rate, parentBased: true });
      for (let i = 0; i < 2000; i++) {
        const traceId = ids.generateTraceId();
        const parent = i % 3 === 0 ? undefined : { traceId, spanId: ids.generateSpanId(), traceFlags: i % 2, isRemote: i % 5 === 0 };
        const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
        const expected = stock.shouldSample(ctx, traceId, 'x', SpanKind.SERVER, {}, []).decision === 2;
        expect(lean(parent, traceId), `${traceId} parent ${JSON.stringify(parent)}`).to.equal(expected);
      }
    });
  }

  it('ignores the parent when not parent-based', () => {
    const lean = createSampling({ rate: 0, parentBased: false });
    expect(lean({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }, 'a'.repeat(32))).to.equal(false);
  });
});

describe('pooled id generator', () => {
  it('gives lower-case hex ids of W3C length, never all zeros, without repeats', () => {
    const ids = new PooledIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const traceId = ids.generateTraceId();
      const spanId = ids.generateSpanId();
      expect(traceId).to.match(/^[0-9a-f]{32}$/);
      expect(spanId).to.match(/^[0-9a-f]{16}$/);
      expect(traceId).to.not.equal('0'.repeat(32));
      seen.add(traceId);
      seen.add(spanId);
    }
    expect(seen.size).to.equal(40_000);
  });
});

/** The fields a processor or exporter reads, without ids and clock values. */
function comparable(s: ReadableSpan) {
  return {
    name: s.name,
    kind: s.kind,
    traceFlags: s.spanContext().traceFlags,
    traceState: s.spanContext().traceState?.serialize(),
    // A local parent's id differs between the two runs; the remote one is the same.
    parent: s.parentSpanContext && { traceId: s.parentSpanContext.traceId, spanId: s.parentSpanContext.isRemote ? s.parentSpanContext.spanId : 'local', isRemote: s.parentSpanContext.isRemote },
    attributes: s.attributes,
    status: s.status,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes, droppedAttributesCount: e.droppedAttributesCount ?? 0 })),
    links: s.links.map((l) => ({ attributes: l.attributes, traceFlags: l.context.traceFlags, droppedAttributesCount: l.droppedAttributesCount })),
    ended: s.ended,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
    resource: s.resource.attributes,
    scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version },
  };
}

// One error object for both providers: its stack trace names the line it was made on.
const BOOM = Object.assign(new Error('boom'), { code: 'E_BOOM' });

/** The same span operations, as the project's code and tests perform them. */
function exercise(provider: { getTracer(name: string, version?: string): { startSpan(n: string, o?: object, c?: Context): Span } }): void {
  const tracer = provider.getTracer('lib', '1.2.3');
  const remote = stockPropagator.extract(ROOT_CONTEXT, { traceparent: TRACEPARENTS[0]!, tracestate: 'a=b' }, defaultTextMapGetter);
  const server = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'server.port': 8080, empty: undefined } }, remote);
  const inner = tracer.startSpan('op', { attributes: { list: ['a', 'b'], nums: [1, 2], flag: true, ratio: 0.5 } }, trace.setSpan(remote, server));
  inner.setAttribute('enduser.id', 'u1');
  inner.setAttribute('', 'no key');
  inner.setAttribute('bad', { nested: true } as never);
  inner.setAttribute('gone', undefined as never);
  inner.setAttributes({ a: 1, b: 'two' });
  inner.addEvent('cache miss', { key: 'k', skipped: undefined as never });
  inner.addEvent('timed', Date.now());
  inner.recordException(BOOM);
  inner.recordException('just text');
  inner.setStatus({ code: SpanStatusCode.UNSET });
  inner.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  inner.updateName('op renamed');
  inner.end();
  inner.end();
  inner.setAttribute('after', 'end');
  server.setStatus({ code: SpanStatusCode.ERROR, message: 123 as never });
  server.setStatus({ code: SpanStatusCode.OK });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'ignored after OK' });
  server.end();
  const root = tracer.startSpan('root', { kind: SpanKind.CLIENT, links: [{ context: server.spanContext(), attributes: { why: 'follows' } }] }, ROOT_CONTEXT);
  for (let i = 0; i < 140; i++) root.setAttribute(`k${i}`, i);
  root.end();
}

describe('lean tracer provider (against BasicTracerProvider)', () => {
  const resource = resourceFromAttributes({ 'service.name': 'svc', 'service.version': '1' });

  function runBoth(): { stock: ReadableSpan[]; lean: ReadableSpan[] } {
    const stockExporter = new InMemorySpanExporter();
    const leanExporter = new InMemorySpanExporter();
    exercise(new BasicTracerProvider({ resource, sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }), spanProcessors: [new SimpleSpanProcessor(stockExporter)] }));
    exercise(
      new LeanTracerProvider({
        resource,
        sampled: createSampling({ rate: 1, parentBased: true }),
        idGenerator: new PooledIdGenerator(),
        processors: [new SimpleSpanProcessor(leanExporter)],
      }),
    );
    return { stock: stockExporter.getFinishedSpans(), lean: leanExporter.getFinishedSpans() };
  }

  it('records what the SDK records: attributes, events, exceptions, status rules, names, limits, links', () => {
    const { stock, lean } = runBoth();
    expect(lean.map(comparable)).to.deep.equal(stock.map(comparable));
    expect(lean.map((s) => s.name)).to.deep.equal(['op renamed', 'GET', 'root']);
  });

  it('keeps the trace, parents and times consistent', () => {
    const { lean } = runBoth();
    const [inner, server, root] = lean as [ReadableSpan, ReadableSpan, ReadableSpan];
    expect(server.spanContext().traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(server.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    expect(inner.parentSpanContext?.spanId).to.equal(server.spanContext().spanId);
    expect(root.parentSpanContext).to.equal(undefined);
    expect(root.spanContext().traceId).to.not.equal(server.spanContext().traceId);
    const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    for (const s of lean) {
      expect(Math.abs(Number(ns(s.startTime) / 1_000_000n) - Date.now())).to.be.lessThan(5000);
      expect(ns(s.endTime) - ns(s.startTime)).to.equal(ns(s.duration));
      expect(ns(s.duration) >= 0n).to.equal(true);
    }
  });

  it('keeps time as the SDK does when the wall clock moves: a span starts at the wall clock, lasts by the monotonic one', () => {
    const times = (provider: { getTracer(name: string): { startSpan(name: string, o: object, c: typeof ROOT_CONTEXT): { end(): void } } }, exporter: InMemorySpanExporter) => {
      const realNow = Date.now;
      const shifted = realNow() + 3_600_000;
      try {
        // The machine's clock is corrected an hour forward before the span starts, and again while it runs.
        Date.now = () => shifted;
        const span = provider.getTracer('clock').startSpan('corrected', {}, ROOT_CONTEXT);
        Date.now = () => shifted + 3_600_000;
        span.end();
      } finally {
        Date.now = realNow;
      }
      const [s] = exporter.getFinishedSpans();
      const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
      return { startOffMs: ms(s!.startTime) - shifted, durationMs: ms(s!.duration) };
    };
    const stockExporter = new InMemorySpanExporter();
    const leanExporter = new InMemorySpanExporter();
    const stock = times(new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(stockExporter)] }), stockExporter);
    const lean = times(
      new LeanTracerProvider({ resource, sampled: createSampling({ rate: 1, parentBased: true }), idGenerator: new PooledIdGenerator(), processors: [new SimpleSpanProcessor(leanExporter)] }),
      leanExporter,
    );
    for (const [who, t] of [['stock', stock], ['lean', lean]] as const) {
      expect(Math.abs(t.startOffMs), `${who}: start against the wall clock (ms)`).to.be.lessThan(1000);
      expect(t.durationMs, `${who}: duration (ms)`).to.be.within(0, 1000);
    }
  });

  describe('span times', () => {
    const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    const within = (child: ReadableSpan, parent: ReadableSpan) => ns(child.startTime) >= ns(parent.startTime) && ns(child.endTime) <= ns(parent.endTime);
    function leanProvider() {
      const exporter = new InMemorySpanExporter();
      const provider = new LeanTracerProvider({ resource, sampled: createSampling({ rate: 1, parentBased: true }), idGenerator: new PooledIdGenerator(), processors: [new SimpleSpanProcessor(exporter)] });
      return { tracer: provider.getTracer('times'), exporter };
    }
    /** Busy for about `ms` milliseconds, so that spans do not all start in the same microsecond. */
    const spin = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };

    it('start with sub-millisecond precision, local roots as well as their children', () => {
      const { tracer, exporter } = leanProvider();
      for (let i = 0; i < 20; i++) {
        const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
        spin(0.13);
        tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
        root.end();
        spin(0.07);
      }
      const spans = exporter.getFinishedSpans();
      for (const name of ['root', 'child']) {
        const starts = spans.filter((s) => s.name === name).map((s) => s.startTime[1] % 1_000_000);
        expect(starts.filter((sub) => sub !== 0).length, `${name}: starts off a whole millisecond`).to.be.greaterThan(starts.length / 2);
      }
    });

    it('put every child within its parent, which reading the wall clock per span did not', () => {
      const { tracer, exporter } = leanProvider();
      for (let i = 0; i < 200; i++) {
        const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
        const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
        const child = tracer.startSpan('child', {}, rootCtx);
        tracer.startSpan('grandchild', {}, trace.setSpan(rootCtx, child)).end();
        child.end();
        root.end();
      }
      const spans = exporter.getFinishedSpans();
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      const children = spans.filter((s) => s.parentSpanContext);
      expect(children.length).to.equal(400);
      for (const c of children) expect(within(c, byId.get(c.parentSpanContext!.spanId)!), `${c.name} within its parent`).to.equal(true);
    });

    it('keep a child within its parent when the wall clock jumps between the two, and anchor the next local root on the moved clock', () => {
      const { tracer, exporter } = leanProvider();
      const realNow = Date.now;
      let nextRootStart: number;
      try {
        const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
        // Corrected an hour back, then two hours forward, while the root runs.
        const back = realNow() - 3_600_000;
        Date.now = () => back;
        const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
        Date.now = () => back + 7_200_000;
        child.addEvent('inside');
        child.end();
        root.end();
        nextRootStart = Date.now();
        tracer.startSpan('next root', {}, ROOT_CONTEXT).end();
      } finally {
        Date.now = realNow;
      }
      const [child, root, next] = exporter.getFinishedSpans() as [ReadableSpan, ReadableSpan, ReadableSpan];
      expect(within(child, root)).to.equal(true);
      expect(ns(child.events[0]!.time as [number, number]) >= ns(child.startTime)).to.equal(true);
      expect(ns(child.events[0]!.time as [number, number]) <= ns(child.endTime)).to.equal(true);
      expect(Math.abs(Number(ns(root.startTime) / 1_000_000n) - Date.now())).to.be.lessThan(1000);
      expect(Math.abs(Number(ns(next.startTime) / 1_000_000n) - nextRootStart)).to.be.lessThan(2);
    });

    it('anchor a span under a remote parent on the wall clock, and keep a start given explicitly', () => {
      const { tracer, exporter } = leanProvider();
      const remote = leanPropagator.extract(ROOT_CONTEXT, { traceparent: TRACEPARENTS[0]! }, defaultTextMapGetter);
      const before = Date.now();
      const server = tracer.startSpan('server', {}, remote);
      tracer.startSpan('given', { startTime: [1_700_000_000, 123_456_789] }, trace.setSpan(remote, server)).end();
      server.end();
      const [given, started] = exporter.getFinishedSpans() as [ReadableSpan, ReadableSpan];
      expect(started.parentSpanContext?.isRemote).to.equal(true);
      // Within the whole millisecond Date.now() reports, but for the gap between reading the two clocks.
      expect(started.startTime[0] * 1000 + started.startTime[1] / 1e6).to.be.within(before - 0.02, Date.now() + 1.02);
      expect(given.startTime).to.deep.equal([1_700_000_000, 123_456_789]);
    });
  });

  it('encodes to the same OTLP message as SDK spans, but for ids and times', () => {
    const { stock, lean } = runBoth();
    const strip = (msg: { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> }) => {
      for (const rs of msg.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
        for (const k of ['traceId', 'spanId', 'startTimeUnixNano', 'endTimeUnixNano']) delete s[k];
        if (s.parentSpanId !== '00f067aa0ba902b7') delete s.parentSpanId;
        for (const e of (s.events ?? []) as Array<Record<string, unknown>>) delete e.timeUnixNano;
        for (const l of (s.links ?? []) as Array<Record<string, unknown>>) delete l.spanId;
      }
      return msg;
    };
    expect(strip(decode(encodeExportTraceRequest(lean)))).to.deep.equal(strip(decode(encodeExportTraceRequest(stock))));
  });

  it('returns non-recording spans that still carry the trace when not sampled', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new LeanTracerProvider({
      resource,
      sampled: createSampling({ rate: 0, parentBased: true }),
      idGenerator: new PooledIdGenerator(),
      processors: [new SimpleSpanProcessor(exporter)],
    });
    const span = provider.getTracer('x').startSpan('unsampled', {}, ROOT_CONTEXT);
    expect(span.isRecording()).to.equal(false);
    expect(span.spanContext().traceId).to.match(/^[0-9a-f]{32}$/);
    expect(span.spanContext().traceFlags).to.equal(TraceFlags.NONE);
    span.end();
    expect(exporter.getFinishedSpans()).to.deep.equal([]);
  });
});

describe('lean OTLP processor (batching, POST, failure accounting)', () => {
  let server: Server;
  let url: string;
  let bodies: Buffer[] = [];
  let status = 200;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        expect(req.headers['content-type']).to.equal('application/x-protobuf');
        bodies.push(Buffer.concat(chunks));
        res.writeHead(status, { 'content-type': 'application/x-protobuf' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    bodies = [];
    status = 200;
  });

  function tracerWith(processor: LeanOtlpProcessor) {
    const provider = new LeanTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'proc-test' }),
      sampled: createSampling({ rate: 1, parentBased: true }),
      idGenerator: new PooledIdGenerator(),
      processors: [processor],
    });
    return provider.getTracer('t');
  }

  const spansIn = (bs: Buffer[]) =>
    bs.flatMap((b) => (decode(b).resourceSpans as Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }>).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));

  it('posts full batches at once and the rest after the delay, every span exactly once, counted as exported', async () => {
    const processor = new LeanOtlpProcessor({ url, maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelayMillis: 50, exportTimeoutMillis: 2000 });
    const tracer = tracerWith(processor);
    const before = exportStats.exported;
    for (let i = 0; i < 25; i++) tracer.startSpan(`s${i}`, {}, ROOT_CONTEXT).end();
    await new Promise((r) => setTimeout(r, 300));
    expect(spansIn(bodies).sort()).to.deep.equal(Array.from({ length: 25 }, (_, i) => `s${i}`).sort());
    expect(bodies.length).to.equal(3);
    expect(exportStats.exported - before).to.equal(25);
    await processor.shutdown();
  });

  it('drops past the queue limit and counts a refused batch as failed, never retrying it', async () => {
    status = 503;
    const processor = new LeanOtlpProcessor({ url, maxQueueSize: 5, maxExportBatchSize: 5, scheduledDelayMillis: 10_000, exportTimeoutMillis: 2000 });
    const tracer = tracerWith(processor);
    const failed = exportStats.failed;
    for (let i = 0; i < 8; i++) tracer.startSpan(`d${i}`, {}, ROOT_CONTEXT).end();
    await processor.forceFlush();
    expect(spansIn(bodies)).to.deep.equal(['d0', 'd1', 'd2', 'd3', 'd4']);
    expect(exportStats.failed - failed).to.equal(5);
    await processor.shutdown();
  });

  it('a collector that is down fails the batch quickly and keeps memory bounded', async () => {
    const processor = new LeanOtlpProcessor({ url: 'http://127.0.0.1:9/v1/traces', maxQueueSize: 50, maxExportBatchSize: 10, scheduledDelayMillis: 10, exportTimeoutMillis: 500 });
    const tracer = tracerWith(processor);
    const failed = exportStats.failed;
    for (let i = 0; i < 200; i++) tracer.startSpan(`x${i}`, {}, ROOT_CONTEXT).end();
    const started = Date.now();
    await processor.shutdown();
    expect(Date.now() - started).to.be.lessThan(3000);
    expect(exportStats.failed - failed).to.be.within(10, 60);
  });

  it('shutdown flushes what is queued before the delay', async () => {
    const processor = new LeanOtlpProcessor({ url, maxQueueSize: 100, maxExportBatchSize: 50, scheduledDelayMillis: 60_000, exportTimeoutMillis: 2000 });
    const tracer = tracerWith(processor);
    tracer.startSpan('late', {}, ROOT_CONTEXT).end();
    await processor.shutdown();
    expect(spansIn(bodies)).to.deep.equal(['late']);
    // Nothing is accepted after shutdown.
    tracer.startSpan('after', {}, ROOT_CONTEXT).end();
    await new Promise((r) => setTimeout(r, 50));
    expect(spansIn(bodies)).to.deep.equal(['late']);
  });
});
