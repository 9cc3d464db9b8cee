import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { encodeExportTraceRequest, encodeExportTraceRequestView } from '../../../../../shared/telemetry/otlp/encode-trace';
import { ProtoWriter } from '../../../../../shared/telemetry/otlp/proto-writer';
import * as protobuf from 'protobufjs';
import { decode, ExportTraceServiceRequest } from '../../../../support/otlp-proto';

// The decoder is built from the official opentelemetry-proto messages (test/support/otlp-proto.ts).
const stock = (spans: ReadableSpan[]): Uint8Array => ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array(0);

/** Both encoders agree on the decoded message AND on the exact bytes; returns the decoded message for further checks. */
function expectSameAsStock(spans: ReadableSpan[]): any {
  const theirs = stock(spans);
  const ours = encodeExportTraceRequest(spans);
  const theirsDecoded = decode(theirs);
  const oursDecoded = decode(ours);
  expect(oursDecoded).to.deep.equal(theirsDecoded);
  // Field order, explicit zeros and minimal varint lengths all match the stock writer.
  expect(Buffer.from(ours).equals(Buffer.from(theirs)), 'byte-identical to ProtobufTraceSerializer').to.equal(true);
  return oursDecoded;
}

const hrTimeToNanos = (t: HrTime): string => (BigInt(Math.trunc(t[0])) * 1_000_000_000n + BigInt(Math.trunc(t[1]))).toString();

const REMOTE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN = '00f067aa0ba902b7';
const LONG_ASCII = 'x'.repeat(200); // > 127 bytes: 2-byte lengths
const HUGE = 'log line with some detail; '.repeat(700); // ~18.9 KB: 3-byte lengths at every level above it
const NON_ASCII = 'grüße, 日本語, emoji 😀, lone surrogate \ud800 end';

interface Fixture {
  spans: ReadableSpan[];
  resourceA: ReturnType<typeof resourceFromAttributes>;
}

function buildFixture(): Fixture {
  const exporter = new InMemorySpanExporter();
  const resourceA = resourceFromAttributes(
    {
      'service.name': 'user-service',
      'service.version': '1.4.2',
      'service.instance.id': 'c5b2e6d0-0f5e-4a53-9a39-3b1d8c8b6a11',
      'host.name': 'node-7',
      'process.pid': 4242,
      'process.runtime.name': 'nodejs',
      'telemetry.sdk.language': 'nodejs',
      'deployment.environment.name': 'test',
      'host.arch': ['amd64'],
    },
    { schemaUrl: 'https://opentelemetry.io/schemas/1.28.0' },
  );
  const resourceB = resourceFromAttributes({ 'service.name': 'auth-service', 'service.namespace': 'ünïcödé' });
  const providerA = new BasicTracerProvider({ resource: resourceA, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // Tight limits on B so the dropped_* counts are non-zero.
  const providerB = new BasicTracerProvider({
    resource: resourceB,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    spanLimits: { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1 },
  });
  const grpc = providerA.getTracer('@opentelemetry/instrumentation-grpc', '0.223.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' });
  const app = providerA.getTracer('user-service'); // no version, no schema url
  const auth = providerB.getTracer('auth', '2.0.0');

  const remote: Context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: REMOTE_TRACE,
    spanId: REMOTE_SPAN,
    traceFlags: 1,
    isRemote: true,
    traceState: new TraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
  });

  const server = grpc.startSpan(
    'user.v1.UserService/GetUser',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': 'user.v1.UserService',
        'rpc.method': 'GetUser',
        'rpc.grpc.status_code': 0,
        'server.port': 50051,
        'network.peer.address': '10.0.0.12',
      },
    },
    remote,
  );
  const serverCtx = trace.setSpan(remote, server);

  const client = grpc.startSpan(
    'auth.v1.AuthService/ValidateToken',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': 'grpc', 'server.address': 'auth', 'server.port': 50052 },
      links: [
        {
          context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0, isRemote: true, traceState: new TraceState('vendor=v1') },
          attributes: { 'link.reason': 'retry-of', 'link.attempt': 2 },
        },
        { context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 } },
      ],
    },
    serverCtx,
  );
  client.end();

  const db = app.startSpan('SELECT users', { kind: SpanKind.INTERNAL }, serverCtx);
  db.setAttributes({
    'db.system.name': 'sqlite',
    'db.query.text': LONG_ASCII,
    'app.huge': HUGE,
    'app.unicode': NON_ASCII,
    'app.int': 42,
    'app.int.negative': -7,
    'app.int.zero': 0,
    'app.int.big': 2 ** 53 - 1,
    'app.int.pow60': 2 ** 60, // beyond safe-integer range, still int64
    'app.int.over32': 4294967296,
    'app.int.min': -(2 ** 40),
    'app.double': 3.25,
    'app.double.tiny': 1e-300,
    'app.double.nan': Number.NaN,
    'app.double.inf': Number.POSITIVE_INFINITY,
    'app.bool.true': true,
    'app.bool.false': false,
    'app.strings': ['a', 'bé', '', LONG_ASCII],
    'app.numbers': [1, 2.5, -3, 0],
    'app.bools': [true, false, true],
    'app.empty': [],
    'app.sparse': ['x', null, 'y'] as unknown as string[],
    '': 'dropped by the SDK (empty key)',
  });
  db.addEvent('cache.miss', { 'cache.key': 'user:17', 'cache.ttl': 30 });
  db.addEvent('no-attributes');
  db.end();

  server.recordException(new Error('token expired — ünïcödé'));
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'token expired — ünïcödé' });
  server.end();

  // Root span (no parent) on the second tracer, OK status, producer kind.
  const root = app.startSpan('background.flush', { kind: SpanKind.PRODUCER, attributes: { 'messaging.batch.message_count': 3 } }, ROOT_CONTEXT);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();

  // Second resource: over-limit attributes, events and links.
  const consumer = auth.startSpan(
    'auth.consume',
    {
      kind: SpanKind.CONSUMER,
      attributes: { a: 1, b: 2, c: 3, d: 4 },
      links: [
        { context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 } },
        { context: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), traceFlags: 1 } },
      ],
    },
    ROOT_CONTEXT,
  );
  consumer.addEvent('one');
  consumer.addEvent('two');
  consumer.addEvent('three');
  consumer.end();
  const auth2 = auth.startSpan('auth.second', {}, trace.setSpan(ROOT_CONTEXT, consumer));
  auth2.end();

  const finished = exporter.getFinishedSpans(); // client, db, server, root, consumer, auth2
  // Interleave resources and scopes so grouping order (first seen) matters.
  const [c, d, s, r, con, a2] = finished as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan];
  return { spans: [con, c, d, a2, s, r], resourceA };
}

describe('OTLP span encoder (hand-written protobuf)', () => {
  const { spans, resourceA } = buildFixture();

  it('encodes realistic spans exactly like the stock ProtobufTraceSerializer', () => {
    const decoded = expectSameAsStock(spans);

    // Grouping: resource B first (first seen), then A with the grpc scope before the app scope.
    const [rsB, rsA] = decoded.resourceSpans;
    expect(decoded.resourceSpans).to.have.length(2);
    expect(rsB.scopeSpans.map((s: any) => s.spans.map((x: any) => x.name))).to.deep.equal([['auth.consume', 'auth.second']]);
    expect(rsA.schemaUrl).to.equal('https://opentelemetry.io/schemas/1.28.0');
    expect(rsA.resource.droppedAttributesCount).to.equal(0);
    expect(rsA.resource.attributes.find((kv: any) => kv.key === 'process.pid').value).to.deep.equal({ intValue: '4242' });
    expect(rsA.scopeSpans.map((s: any) => s.scope)).to.deep.equal([
      { name: '@opentelemetry/instrumentation-grpc', version: '0.223.0' },
      { name: 'user-service' },
    ]);
    expect(rsA.scopeSpans[0].schemaUrl).to.equal('https://opentelemetry.io/schemas/1.27.0');
    expect(rsA.scopeSpans[1].schemaUrl).to.equal(undefined);
    expect(rsA.scopeSpans.map((s: any) => s.spans.map((x: any) => x.name))).to.deep.equal([
      ['auth.v1.AuthService/ValidateToken', 'user.v1.UserService/GetUser'],
      ['SELECT users', 'background.flush'],
    ]);

    const byName = new Map<string, any>();
    for (const rs of decoded.resourceSpans) for (const ss of rs.scopeSpans) for (const sp of ss.spans) byName.set(sp.name, sp);
    const server = byName.get('user.v1.UserService/GetUser');
    const client = byName.get('auth.v1.AuthService/ValidateToken');
    const db = byName.get('SELECT users');
    const root = byName.get('background.flush');
    const consumer = byName.get('auth.consume');

    // Remote parent: trace state from the incoming context, parent id, IS_REMOTE flag.
    expect(server.traceId).to.equal(REMOTE_TRACE);
    expect(server.parentSpanId).to.equal(REMOTE_SPAN);
    expect(server.traceState).to.equal('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    expect(server.kind).to.equal(2);
    expect(server.flags).to.equal(0x301); // sampled | HAS_IS_REMOTE | IS_REMOTE
    expect(server.status).to.deep.equal({ code: 2, message: 'token expired — ünïcödé' });
    expect(server.events[0].name).to.equal('exception');
    expect(server.events[0].attributes.map((kv: any) => kv.key)).to.include.members(['exception.type', 'exception.message', 'exception.stacktrace']);
    const serverSpan = spans.find((s) => s.name === server.name)!;
    expect(server.startTimeUnixNano).to.equal(hrTimeToNanos(serverSpan.startTime));
    expect(server.endTimeUnixNano).to.equal(hrTimeToNanos(serverSpan.endTime));
    expect(server.events[0].timeUnixNano).to.equal(hrTimeToNanos(serverSpan.events[0]!.time));

    // Local parent: HAS_IS_REMOTE only; links carry their own flags and trace state.
    expect(client.parentSpanId).to.equal(serverSpan.spanContext().spanId);
    expect(client.kind).to.equal(3);
    expect(client.flags).to.equal(0x101);
    expect(client.links).to.have.length(2);
    expect(client.links[0]).to.deep.include({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: 'vendor=v1', flags: 0x300, droppedAttributesCount: 0 });
    expect(client.links[1]).to.deep.equal({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', droppedAttributesCount: 0, flags: 0x101 });
    expect(client.status).to.deep.equal({ code: 0 }); // UNSET status is still written, code 0 explicitly

    // Root span: no parent_span_id, no trace_state, producer kind.
    expect(root).to.not.have.property('parentSpanId');
    expect(root).to.not.have.property('traceState');
    expect(root.kind).to.equal(4);
    expect(root.flags).to.equal(0x101);
    expect(root.status).to.deep.equal({ code: 1 });

    // Attribute value mapping.
    const attr = (k: string) => db.attributes.find((kv: any) => kv.key === k)?.value;
    expect(db.kind).to.equal(1);
    expect(attr('app.int')).to.deep.equal({ intValue: '42' });
    expect(attr('app.int.negative')).to.deep.equal({ intValue: '-7' });
    expect(attr('app.int.zero')).to.deep.equal({ intValue: '0' });
    expect(attr('app.int.pow60')).to.deep.equal({ intValue: String(2n ** 60n) });
    expect(attr('app.int.min')).to.deep.equal({ intValue: String(-(2n ** 40n)) });
    expect(attr('app.double')).to.deep.equal({ doubleValue: 3.25 });
    expect(attr('app.double.nan').doubleValue).to.be.NaN;
    expect(attr('app.bool.false')).to.deep.equal({ boolValue: false });
    expect(attr('app.unicode')).to.deep.equal({ stringValue: NON_ASCII.replace('\ud800', '\ufffd') });
    expect(attr('app.huge')).to.deep.equal({ stringValue: HUGE });
    expect(attr('app.strings')).to.deep.equal({ arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'bé' }, { stringValue: '' }, { stringValue: LONG_ASCII }] } });
    expect(attr('app.numbers')).to.deep.equal({ arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2.5 }, { intValue: '-3' }, { intValue: '0' }] } });
    expect(attr('app.bools')).to.deep.equal({ arrayValue: { values: [{ boolValue: true }, { boolValue: false }, { boolValue: true }] } });
    expect(attr('app.empty')).to.deep.equal({ arrayValue: {} });
    expect(attr('app.sparse')).to.deep.equal({ arrayValue: { values: [{ stringValue: 'x' }, {}, { stringValue: 'y' }] } });
    expect(db.events.map((e: any) => e.name)).to.deep.equal(['cache.miss', 'no-attributes']);
    expect(db.events[1]).to.not.have.property('attributes');
    expect(db.events[1].droppedAttributesCount).to.equal(0);

    // Limits on resource B.
    expect(consumer.droppedAttributesCount).to.equal(2);
    expect(consumer.droppedEventsCount).to.equal(2);
    expect(consumer.droppedLinksCount).to.equal(1);
    expect(consumer.kind).to.equal(5);
  });

  it('encodes the resource once and reuses the bytes for later batches', () => {
    const first = encodeExportTraceRequest(spans);
    // Attributes are now served from the cache: a later batch must still carry them intact.
    const again = expectSameAsStock(spans);
    expect(Buffer.from(first).equals(Buffer.from(encodeExportTraceRequest(spans)))).to.equal(true);
    const rsA = again.resourceSpans.find((rs: any) => rs.schemaUrl === resourceA.schemaUrl);
    expect(rsA.resource.attributes.map((kv: any) => kv.key)).to.deep.equal(Object.keys(resourceA.attributes));
  });

  it('does not cache a resource whose async attributes are still pending', async () => {
    let settle!: (v: string) => void;
    const pending = resourceFromAttributes({ 'service.name': 'late', 'cloud.region': new Promise<string>((r) => (settle = r)) });
    // SimpleSpanProcessor holds spans back until the resource settles, so re-home a finished span instead.
    const batch = [Object.create(spans[0]!, { resource: { value: pending } }) as ReadableSpan];
    const before = expectSameAsStock(batch);
    expect(before.resourceSpans[0].resource.attributes.map((kv: any) => kv.key)).to.deep.equal(['service.name']);
    settle('eu-west-1');
    await pending.waitForAsyncAttributes!();
    const after = expectSameAsStock(batch);
    expect(after.resourceSpans[0].resource.attributes.map((kv: any) => kv.key)).to.deep.equal(['service.name', 'cloud.region']);
  });

  it('handles single-resource/single-scope batches (fast path) and each span alone', () => {
    const sameScope = spans.filter((s) => s.instrumentationScope.name === 'user-service');
    expectSameAsStock(sameScope);
    for (const s of spans) expectSameAsStock([s]);
  });

  it('returns an owned copy: a second call does not change the first result', () => {
    const a = encodeExportTraceRequest(spans.slice(0, 3));
    expect(a.byteOffset).to.equal(0);
    expect(a.buffer.byteLength).to.equal(a.length); // not a slice of a shared pool or of the encoder's buffer
    const snapshot = Buffer.from(a);
    const b = encodeExportTraceRequest(spans.slice(3));
    expect(Buffer.from(a).equals(snapshot)).to.equal(true);
    expect(Buffer.from(b).equals(Buffer.from(stock(spans.slice(3))))).to.equal(true);
    expect(decode(a)).to.deep.equal(decode(stock(spans.slice(0, 3))));
  });

  it('the view variant is valid until the next call, and only until then (documented contract)', () => {
    const v1 = encodeExportTraceRequestView(spans.slice(0, 2));
    expect(Buffer.from(v1).equals(Buffer.from(stock(spans.slice(0, 2))))).to.equal(true);
    const copy = Buffer.from(v1);
    const v2 = encodeExportTraceRequestView(spans.slice(2));
    expect(Buffer.from(v2).equals(Buffer.from(stock(spans.slice(2))))).to.equal(true);
    expect(v2.buffer).to.equal(v1.buffer); // same backing store (unless it grew)
    expect(Buffer.from(v1).equals(copy)).to.equal(false); // v1 has been overwritten
  });

  it('encodes an empty span list exactly like stock (zero bytes)', () => {
    const ours = encodeExportTraceRequest([]);
    expect(ours.length).to.equal(stock([]).length).and.to.equal(0);
    expect(decode(ours)).to.deep.equal({});
  });

  it('grows past its initial buffer for a large batch, then still encodes small ones', () => {
    const big: ReadableSpan[] = [];
    for (let i = 0; i < 3000; i++) big.push(spans[i % spans.length]!); // ~10 MB: past the 8 MiB retention cap too
    const ours = encodeExportTraceRequest(big);
    expect(ours.length).to.be.greaterThan(8 * 1024 * 1024);
    // Byte identity implies decoded identity; decode ours once to be sure it parses.
    expect(Buffer.from(ours).equals(Buffer.from(stock(big)))).to.equal(true);
    expect(ExportTraceServiceRequest.decode(ours).toJSON().resourceSpans).to.have.length(2);
    expectSameAsStock(spans.slice(0, 1)); // after the oversized buffer was released
    expectSameAsStock(spans);
  });

  it('mirrors the stock writer on inputs the SDK would not produce (hand-made ReadableSpans)', () => {
    const resource = resourceFromAttributes({ 'service.name': 'edge' });
    const ctx = (traceId: string, spanId: string, extra: object = {}) => () => ({ traceId, spanId, traceFlags: 1, ...extra });
    const base = {
      kind: SpanKind.INTERNAL,
      startTime: [1_700_000_000, 123_456_789] as HrTime,
      endTime: [1_700_000_001, 999_999_999] as HrTime,
      status: { code: SpanStatusCode.UNSET },
      attributes: {} as Attributes,
      links: [],
      events: [],
      duration: [1, 0] as HrTime,
      ended: true,
      resource,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
    const scope = { name: 'edge-scope', version: '', schemaUrl: '', attributes: { 'scope.attr': 'x', n: 1 }, droppedAttributesCount: 3 };
    const weird = {
      ...base,
      name: 'weird',
      kind: undefined as unknown as SpanKind, // no kind -> field omitted
      spanContext: ctx('ABCDEF0123456789ABCDEF0123456789', 'FEDCBA9876543210'), // upper-case hex
      parentSpanContext: { traceId: '', spanId: '', traceFlags: 0 }, // empty parent id -> omitted
      startTime: [1_700_000_000.9, 5.7] as HrTime, // fractional parts truncate
      endTime: [4_294_967_296, 1] as HrTime, // seconds beyond 2^32
      attributes: {
        nested: { inner: 'v', deeper: { n: 2 }, list: [1, 'two'] },
        bytes: new Uint8Array([0, 1, 254, 255]),
        nul: null,
        undef: undefined,
        negZero: -0,
        pow63: 2 ** 63, // out of int64 range -> double
        minInt64: -(2 ** 63), // in range -> int
        big: 123n, // unsupported -> empty AnyValue
        fn: () => 1,
        mixed: [1, 'a', true, 1.5, null, [2, [3]]],
      } as unknown as Attributes,
      events: [{ name: 'e', time: [1, 2] as HrTime, droppedAttributesCount: 5 }],
      links: [{ context: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 0x81 }, droppedAttributesCount: 4 }],
      status: { code: SpanStatusCode.ERROR },
      droppedAttributesCount: 70000,
      droppedEventsCount: 2 ** 32 + 1,
      instrumentationScope: scope,
    } as unknown as ReadableSpan;
    const manyKeys: Attributes = {};
    for (let i = 0; i < 40; i++) manyKeys[`k${i}.${'n'.repeat(i * 7)}`] = i % 2 ? 'v'.repeat(i * 11) : i * 1000.5;
    const plain = { ...base, name: '', spanContext: ctx('0'.repeat(32), '0'.repeat(16)), attributes: manyKeys, instrumentationScope: scope } as unknown as ReadableSpan;
    // A distinct scope object with the same name/version/schemaUrl: the stock protobuf path
    // groups by object identity (its JSON path would merge them by name@version:schemaUrl).
    const twin = { ...plain, name: 'twin', instrumentationScope: { ...scope } } as unknown as ReadableSpan;
    const decoded = expectSameAsStock([weird, plain, twin]);
    expect(decoded.resourceSpans[0].scopeSpans.map((ss: any) => ss.spans.map((x: any) => x.name))).to.deep.equal([['weird', ''], ['twin']]);
    const sp = decoded.resourceSpans[0].scopeSpans[0].spans[0];
    expect(sp.traceId).to.equal('abcdef0123456789abcdef0123456789');
    expect(sp).to.not.have.property('kind');
    expect(sp).to.not.have.property('parentSpanId');
    expect(sp.startTimeUnixNano).to.equal(hrTimeToNanos([1_700_000_000.9, 5.7]));
    expect(sp.endTimeUnixNano).to.equal(hrTimeToNanos([4_294_967_296, 1]));
    expect(decoded.resourceSpans[0].scopeSpans[0].scope).to.deep.equal({
      name: 'edge-scope',
      attributes: [
        { key: 'scope.attr', value: { stringValue: 'x' } },
        { key: 'n', value: { intValue: '1' } },
      ],
      droppedAttributesCount: 3,
    });
  });

  describe('ProtoWriter primitives', () => {
    const reader = (w: ProtoWriter) => protobuf.Reader.create(w.view());

    it('varints (number and bigint) decode to the same int64/uint64 values', () => {
      const numbers = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 62, -1, -2, -128, -(2 ** 31), -(2 ** 32) - 5, -(2 ** 53), -(2 ** 63)];
      const w = new ProtoWriter(8);
      for (const n of numbers) w.varint64(n);
      for (const n of numbers) w.varintBigInt(BigInt(n));
      w.varintBigInt(2n ** 64n - 1n);
      const r = reader(w);
      for (const n of numbers) expect(r.int64().toString(), `number ${n}`).to.equal(BigInt(n).toString());
      for (const n of numbers) expect(r.int64().toString(), `bigint ${n}`).to.equal(BigInt(n).toString());
      expect(r.uint64().toString()).to.equal((2n ** 64n - 1n).toString());
      expect(r.pos).to.equal(r.len);
    });

    it('fixed64 from HrTime equals hrTimeToNanos (BigInt) for random and boundary times', () => {
      const times: HrTime[] = [[0, 0], [1, 999_999_999], [2 ** 32, 0], [18_446_744_073, 709_551_615], [1_767_225_600, 1]];
      let seed = 42;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let i = 0; i < 2000; i++) times.push([Math.floor(rnd() * 4_000_000_000), Math.floor(rnd() * 1e9)]);
      const w = new ProtoWriter(16);
      for (const t of times) w.fixed64HrTime(t);
      const r = reader(w);
      for (const t of times) expect(r.fixed64().toString(), String(t)).to.equal(hrTimeToNanos(t));
    });

    it('strings cross the 1/2/3-byte length boundaries and non-ASCII re-sizes correctly', () => {
      const strings = ['', 'a', 'x'.repeat(127), 'x'.repeat(128), 'é'.repeat(64), 'é'.repeat(63) + 'a', '😀'.repeat(40), 'y'.repeat(16383), 'y'.repeat(16384), 'ü'.repeat(8192), NON_ASCII];
      const w = new ProtoWriter(4);
      for (const s of strings) w.string(s);
      const r = reader(w);
      for (const s of strings) expect(r.string()).to.equal(s.replace('\ud800', '\ufffd'));
    });

    it('length-delimited bodies with wrong reservations are moved, not corrupted', () => {
      const w = new ProtoWriter(4);
      const sizes = [0, 5, 127, 128, 200, 16383, 16384, 70000];
      for (const reserve of [1, 2, 3]) {
        for (const n of sizes) {
          const m = w.beginLD(reserve);
          for (let i = 0; i < n; i++) w.byte(i & 0xff);
          w.endLD(m, reserve);
        }
      }
      const r = reader(w);
      for (let k = 0; k < 3; k++) {
        for (const n of sizes) {
          const b = r.bytes();
          expect(b.length).to.equal(n);
          expect(b.every((x, i) => x === (i & 0xff))).to.equal(true);
        }
      }
      expect(r.pos).to.equal(r.len);
    });
  });
});
