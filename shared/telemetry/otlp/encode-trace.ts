/**
 * Hand-written OTLP/protobuf encoder for spans: ReadableSpan[] -> ExportTraceServiceRequest
 * bytes, written straight into one reused buffer.
 *
 * It mirrors @opentelemetry/otlp-transformer's ProtobufTraceSerializer rule for rule
 * (grouping, field order, which zero/empty fields are written or skipped, int-vs-double,
 * span flags, timestamp arithmetic), so the output is byte-identical to the stock serializer;
 * test/unit/shared/telemetry/otlp/encode-trace.test.ts checks that. What it does differently is cost:
 * one pass instead of a sizing pass plus a writing pass, no per-id Uint8Array, strings
 * written by the native UTF-8 encoder, and the resource (identical on every span of a
 * process) encoded once per Resource object and then copied as bytes.
 *
 * Field numbers: opentelemetry/proto/{collector/trace,trace,common,resource}/v1/*.proto.
 */
import type { Attributes, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ProtoWriter, varintSize32 } from './proto-writer';

// OTLP span flags (trace.proto SpanFlags): low 8 bits are W3C trace flags.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;

// int64 range for int_value; both bounds are exact doubles. Same bounds as the stock writer,
// which (unlike Number.isSafeInteger) keeps e.g. 2**60 as an int.
const MIN_INT64 = -(2 ** 63);
const MAX_INT64_EXCLUSIVE = 2 ** 63;

// Length reservations for bodies whose size we cannot bound cheaply (see ProtoWriter.beginLD).
// Request-level containers are large; one mis-sized reservation there costs one memmove per batch.
const RESERVE_CONTAINER = 3;
const RESERVE_SMALL = 1;

const hasOwn = Object.prototype.hasOwnProperty;

/** The extra fields otlp-transformer reads from a scope even though core's InstrumentationScope type does not declare them yet. */
type ScopeWithAttributes = InstrumentationScope & { readonly attributes?: Attributes; readonly droppedAttributesCount?: number };

const writer = new ProtoWriter(256 * 1024);

/** Encoded Resource sub-message (tag + length + body) per Resource object: every span of a process shares one. */
const resourceCache = new WeakMap<Resource, Uint8Array>();

// Span/event lengths are similar from one to the next, so the previous one's length-size is the reservation.
let spanReserve = 2;
let eventReserve = 1;

/**
 * Encode spans as an OTLP ExportTraceServiceRequest and return an owned copy of the bytes.
 *
 * A copy because the stock OTLP exporters do not consume the payload synchronously: the
 * HTTP transport pushes it into a Readable (and possibly gzip) that drains later, the
 * retrying transport re-sends the same bytes after a backoff, and BatchSpanProcessor can
 * run several exports concurrently. A view into the reused buffer would be overwritten by
 * the next batch in all of those cases. The copy is one memcpy of the finished message.
 */
export function encodeExportTraceRequest(spans: readonly ReadableSpan[]): Uint8Array {
  encodeInto(spans);
  return writer.copy();
}

/**
 * Encode spans and return a VIEW into the encoder's shared buffer, valid only until the next
 * call of encodeExportTraceRequest or encodeExportTraceRequestView (in any caller).
 *
 * For callers that consume the bytes synchronously (hash them, copy them into their own
 * framing, write them with fs.writeSync); anything that hands them to a stream, a socket or
 * a retry must copy first or use encodeExportTraceRequest.
 */
export function encodeExportTraceRequestView(spans: readonly ReadableSpan[]): Uint8Array {
  encodeInto(spans);
  return writer.view();
}

function encodeInto(spans: readonly ReadableSpan[]): void {
  const w = writer;
  w.reset();
  const n = spans.length;
  if (n === 0) return;

  // Fast path: one resource and one scope object (the normal case for a single process
  // with one tracer) needs no grouping maps at all.
  const first = spans[0]!;
  const resource = first.resource;
  const scope = first.instrumentationScope;
  let single = true;
  for (let i = 1; i < n; i++) {
    const s = spans[i]!;
    if (s.resource !== resource || s.instrumentationScope !== scope) {
      single = false;
      break;
    }
  }
  if (single) {
    w.byte(0x0a); // ExportTraceServiceRequest.resource_spans
    const rs = w.beginLD(RESERVE_CONTAINER);
    writeResource(w, resource);
    writeScopeSpans(w, scope, spans);
    writeResourceSchemaUrl(w, resource);
    w.endLD(rs, RESERVE_CONTAINER);
    return;
  }

  // Group by Resource identity, then by scope-object identity, in first-seen order — the
  // stock protobuf serializer's createResourceMap (not the JSON path's name@version:schemaUrl key).
  const byResource = new Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>();
  for (let i = 0; i < n; i++) {
    const s = spans[i]!;
    let byScope = byResource.get(s.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(s.resource, byScope);
    }
    let list = byScope.get(s.instrumentationScope);
    if (list === undefined) {
      list = [];
      byScope.set(s.instrumentationScope, list);
    }
    list.push(s);
  }
  for (const [res, byScope] of byResource) {
    w.byte(0x0a); // ExportTraceServiceRequest.resource_spans
    const rs = w.beginLD(RESERVE_CONTAINER);
    writeResource(w, res);
    for (const list of byScope.values()) {
      // The stock serializer takes the scope from the group's first span; same object as the key.
      writeScopeSpans(w, list[0]!.instrumentationScope, list);
    }
    writeResourceSchemaUrl(w, res);
    w.endLD(rs, RESERVE_CONTAINER);
  }
}

/** ResourceSpans.resource (field 1), from the per-Resource cache when the resource is settled. */
function writeResource(w: ProtoWriter, resource: Resource): void {
  const cached = resourceCache.get(resource);
  if (cached !== undefined) {
    w.raw(cached);
    return;
  }
  const start = w.pos;
  w.byte(0x0a); // ResourceSpans.resource
  const m = w.beginLD(2);
  // Read attributes exactly once, as the stock code does (the getter diag.error()s while
  // async attributes are pending, and we want the same single log line).
  const attributes = resource.attributes;
  if (attributes) writeAttributes(w, attributes, 0x0a); // Resource.attributes
  w.byte(0x10); // Resource.dropped_attributes_count: always written, always 0 (stock: "we don't track this")
  w.byte(0);
  w.endLD(m, 2);
  // Unsettled async attributes can still change, so only a settled resource is cached.
  if (!resource.asyncAttributesPending) {
    resourceCache.set(resource, Buffer.from(w.buf.subarray(start, w.pos)));
  }
}

function writeResourceSchemaUrl(w: ProtoWriter, resource: Resource): void {
  const schemaUrl = resource.schemaUrl;
  if (schemaUrl) {
    w.byte(0x1a); // ResourceSpans.schema_url (after scope_spans, like stock)
    w.string(schemaUrl);
  }
}

function writeScopeSpans(w: ProtoWriter, scope: ScopeWithAttributes, spans: readonly ReadableSpan[]): void {
  w.byte(0x12); // ResourceSpans.scope_spans
  const ss = w.beginLD(RESERVE_CONTAINER);

  w.byte(0x0a); // ScopeSpans.scope
  const sc = w.beginLD(RESERVE_SMALL);
  w.byte(0x0a); // InstrumentationScope.name: always written, even if empty
  w.string(scope.name);
  if (scope.version) {
    w.byte(0x12);
    w.string(scope.version);
  }
  if (scope.attributes) writeAttributes(w, scope.attributes, 0x1a);
  if (scope.droppedAttributesCount) {
    w.byte(0x20);
    w.varint64(scope.droppedAttributesCount);
  }
  w.endLD(sc, RESERVE_SMALL);

  for (let i = 0; i < spans.length; i++) writeSpan(w, spans[i]!);

  if (scope.schemaUrl) {
    w.byte(0x1a); // ScopeSpans.schema_url (after spans, like stock)
    w.string(scope.schemaUrl);
  }
  w.endLD(ss, RESERVE_CONTAINER);
}

function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const ctx = span.spanContext();
  w.byte(0x12); // ScopeSpans.spans
  const reserve = spanReserve;
  const m = w.beginLD(reserve);

  writeContext(w, ctx);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.byte(0x22); // parent_span_id, omitted for a root span
    w.hexBytes(parent.spanId);
  }
  w.byte(0x2a); // name
  w.string(span.name);
  // API SpanKind is 0-based with no "unspecified"; OTLP's is offset by one. 0 is not written.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    w.byte(0x30);
    w.varint64(kind);
  }
  w.byte(0x39); // start_time_unix_nano (fixed64)
  w.fixed64HrTime(span.startTime);
  w.byte(0x41); // end_time_unix_nano (fixed64)
  w.fixed64HrTime(span.endTime);
  if (span.attributes) writeAttributes(w, span.attributes, 0x4a);
  w.byte(0x50); // dropped_attributes_count: written even when 0 (stock does)
  writeCount(w, span.droppedAttributesCount);

  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]!);
  w.byte(0x60); // dropped_events_count
  writeCount(w, span.droppedEventsCount);

  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]!);
  w.byte(0x70); // dropped_links_count
  writeCount(w, span.droppedLinksCount);

  writeStatus(w, span.status);

  // flags (field 16, fixed32; tag 0x85 0x01): HAS_IS_REMOTE is always set, so always written.
  // IS_REMOTE reflects the *parent* context, as in the stock serializer.
  w.ensure(6);
  w.byteUnchecked(0x85);
  w.byteUnchecked(0x01);
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));

  const len = w.pos - m;
  w.endLD(m, reserve);
  spanReserve = varintSize32(len);
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  let flags = (traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK;
  if (isRemote) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK;
  return flags;
}

/** uint32 counts: the common case takes the 32-bit varint path; anything odd gets the stock int64 semantics. */
function writeCount(w: ProtoWriter, v: number): void {
  if (v >>> 0 === v) w.varint32(v);
  else w.varint64(v);
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  w.byte(0x5a); // Span.events
  const reserve = eventReserve;
  const m = w.beginLD(reserve);
  w.byte(0x09); // time_unix_nano (fixed64)
  w.fixed64HrTime(event.time);
  w.byte(0x12); // name: always written
  w.string(event.name);
  if (event.attributes) writeAttributes(w, event.attributes, 0x1a);
  w.byte(0x20); // dropped_attributes_count: always written
  writeCount(w, event.droppedAttributesCount || 0);
  const len = w.pos - m;
  w.endLD(m, reserve);
  eventReserve = varintSize32(len);
}

/** trace_id, span_id and trace_state (skipped when empty): fields 1-3 of both Span and Span.Link. */
function writeContext(w: ProtoWriter, ctx: SpanContext): void {
  w.byte(0x0a); // trace_id
  w.hexBytes(ctx.traceId);
  w.byte(0x12); // span_id
  w.hexBytes(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.byte(0x1a); // trace_state
    w.string(traceState);
  }
}

function writeLink(w: ProtoWriter, link: Link): void {
  const ctx = link.context;
  w.byte(0x6a); // Span.links
  const m = w.beginLD(RESERVE_SMALL);
  writeContext(w, ctx);
  if (link.attributes) writeAttributes(w, link.attributes, 0x22);
  w.byte(0x28); // dropped_attributes_count: always written
  writeCount(w, link.droppedAttributesCount || 0);
  w.byte(0x35); // flags (fixed32); IS_REMOTE from the linked context itself
  w.fixed32(spanFlags(ctx.traceFlags, ctx.isRemote));
  w.endLD(m, RESERVE_SMALL);
}

function writeStatus(w: ProtoWriter, status: SpanStatus): void {
  w.byte(0x7a); // Span.status: always written, even when UNSET
  const m = w.beginLD(RESERVE_SMALL);
  if (status.message) {
    w.byte(0x12); // message, skipped when empty
    w.string(status.message);
  }
  w.byte(0x18); // code: always written (API and proto enums share values)
  w.varint64(status.code);
  w.endLD(m, RESERVE_SMALL);
}

/** Repeated KeyValue under the single-byte tag `tag`, in for-in order over own properties (the stock iteration). */
function writeAttributes(w: ProtoWriter, attributes: Attributes, tag: number): void {
  for (const key in attributes) {
    if (!hasOwn.call(attributes, key)) continue;
    w.byte(tag);
    writeKeyValue(w, key, attributes[key]);
  }
}

function writeKeyValue(w: ProtoWriter, key: string, value: unknown): void {
  // UTF-8 length >= UTF-16 length, so these lower bounds pick the right reservation for
  // ASCII (and most other) strings, and a long string value costs no shift.
  const keyBytesMin = 1 + varintSize32(key.length) + key.length;
  if (typeof value === 'string') {
    const avMin = 1 + varintSize32(value.length) + value.length;
    const avReserve = varintSize32(avMin);
    const kvReserve = varintSize32(keyBytesMin + 1 + avReserve + avMin);
    const kv = w.beginLD(kvReserve);
    w.byte(0x0a); // KeyValue.key
    w.string(key);
    w.byte(0x12); // KeyValue.value
    const av = w.beginLD(avReserve);
    w.byte(0x0a); // AnyValue.string_value
    w.string(value);
    w.endLD(av, avReserve);
    w.endLD(kv, kvReserve);
    return;
  }
  const kvReserve = varintSize32(keyBytesMin + 13);
  const kv = w.beginLD(kvReserve);
  w.byte(0x0a);
  w.string(key);
  w.byte(0x12);
  const av = w.beginLD(RESERVE_SMALL);
  writeAnyValue(w, value);
  w.endLD(av, RESERVE_SMALL);
  w.endLD(kv, kvReserve);
}

/** AnyValue body; branch order and rules are the stock writeAnyValue's (unsupported types leave it empty). */
function writeAnyValue(w: ProtoWriter, value: unknown): void {
  const t = typeof value;
  if (t === 'string') {
    w.byte(0x0a); // string_value
    w.string(value as string);
  } else if (t === 'boolean') {
    w.ensure(2);
    w.byteUnchecked(0x10); // bool_value
    w.byteUnchecked(value ? 1 : 0);
  } else if (t === 'number') {
    const v = value as number;
    if (Number.isInteger(v) && v >= MIN_INT64 && v < MAX_INT64_EXCLUSIVE) {
      w.byte(0x18); // int_value (int64 varint; negatives are 10 bytes)
      w.varint64(v);
    } else {
      w.byte(0x21); // double_value (NaN, ±Infinity, fractions, |v| >= 2^63)
      w.double(v);
    }
  } else if (value instanceof Uint8Array) {
    w.byte(0x3a); // bytes_value (checked before Array, as stock does)
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.byte(0x2a); // array_value
    const arr = w.beginLD(RESERVE_SMALL);
    for (let i = 0; i < value.length; i++) {
      w.byte(0x0a); // ArrayValue.values
      const item = w.beginLD(RESERVE_SMALL);
      writeAnyValue(w, value[i]);
      w.endLD(item, RESERVE_SMALL);
    }
    w.endLD(arr, RESERVE_SMALL);
  } else if (t === 'object' && value !== null) {
    w.byte(0x32); // kvlist_value
    const list = w.beginLD(RESERVE_SMALL);
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      if (!hasOwn.call(obj, k)) continue;
      w.byte(0x0a); // KeyValueList.values
      writeKeyValue(w, k, obj[k]);
    }
    w.endLD(list, RESERVE_SMALL);
  }
}
