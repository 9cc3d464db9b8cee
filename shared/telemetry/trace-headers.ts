import type { SpanContext } from '@opentelemetry/api';
import { parseTraceParent, TraceState } from '@opentelemetry/core';

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** Whether `s[from, to)` is lower-case hex. */
function isLowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * A `traceparent` value as a span context, by the W3C rules the stock propagator applies. The
 * common shape (`00-<32 hex>-<16 hex>-<2 hex>`, 55 characters) is checked by character codes;
 * anything else (another version, surrounding space, extra fields) goes to the stock parser, so
 * every input gets the stock answer (the unit test runs both over the W3C cases).
 */
export function parseTraceparentFast(value: string): SpanContext | null {
  if (
    value.length === 55 &&
    value.charCodeAt(0) === 48 &&
    value.charCodeAt(1) === 48 &&
    value.charCodeAt(2) === 45 &&
    value.charCodeAt(35) === 45 &&
    value.charCodeAt(52) === 45
  ) {
    if (!isLowerHex(value, 3, 35) || !isLowerHex(value, 36, 52) || !isLowerHex(value, 53, 55)) return null;
    const traceId = value.substring(3, 35);
    const spanId = value.substring(36, 52);
    if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return null;
    return { traceId, spanId, traceFlags: parseInt(value.substring(53, 55), 16) };
  }
  return parseTraceParent(value);
}

/**
 * The W3C trace context a request arrived with, carried by hand from the incoming request to the
 * calls it makes when tracing is off: then no instrumentation and no context manager are loaded,
 * so the choke points pass the caller's trace along themselves (off-tracing.ts).
 */
export interface TraceHeaders {
  /** `00-<trace-id>-<parent-id>-<flags>`, validated and re-serialised as version 00. */
  traceparent: string;
  traceId: string;
  spanId: string;
  tracestate?: string;
  baggage?: string;
}

// The W3C Baggage limit for a whole header; a longer one is dropped rather than forwarded.
const MAX_BAGGAGE_LENGTH = 8192;
// Baggage is percent-encoded ASCII; anything else could not travel as gRPC metadata (grpc-js
// throws on it), so such a header is dropped rather than failing the request.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

// Every traceresponse and every log line of a traced process carries the flags byte: one shared
// string per value, not several built each time.
const TRACE_FLAGS_HEX: readonly string[] = Array.from({ length: 256 }, (_, flags) => flags.toString(16).padStart(2, '0'));

/** A flags byte as the two lower-case hex digits W3C trace context writes (`01`). */
const traceFlagsHex = (traceFlags: number): string => TRACE_FLAGS_HEX[traceFlags & 0xff]!;

/** `00-<trace-id>-<span-id>-<flags>`: a W3C traceparent (or traceresponse) value, version 00. */
export function formatTraceparent(traceId: string, spanId: string, traceFlags: number): string {
  return `00-${traceId}-${spanId}-${traceFlagsHex(traceFlags)}`;
}

/** Reads one header or metadata value by lower-case name. */
export type HeaderGetter = (name: string) => string | undefined;

/**
 * Parses the trace context of an incoming request by the W3C rules: a malformed `traceparent`
 * (all-zero ids, version ff, bad length or characters) is ignored, and `tracestate` with it.
 */
export function parseTraceHeaders(get: HeaderGetter): TraceHeaders | undefined {
  const raw = get('traceparent');
  const parsed = raw === undefined ? null : parseTraceparentFast(raw.trim());
  if (!parsed) return undefined;
  const headers: TraceHeaders = {
    traceparent: formatTraceparent(parsed.traceId, parsed.spanId, parsed.traceFlags),
    traceId: parsed.traceId,
    spanId: parsed.spanId,
  };
  const state = get('tracestate');
  if (state) {
    const serialised = new TraceState(state).serialize();
    if (serialised) headers.tracestate = serialised;
  }
  const baggage = get('baggage');
  if (baggage && baggage.length <= MAX_BAGGAGE_LENGTH && PRINTABLE_ASCII.test(baggage)) headers.baggage = baggage;
  return headers;
}

/** Writes `headers` with `set` (gRPC metadata or HTTP headers). */
export function injectTraceHeaders(headers: TraceHeaders, set: (name: string, value: string) => void): void {
  set('traceparent', headers.traceparent);
  if (headers.tracestate) set('tracestate', headers.tracestate);
  if (headers.baggage) set('baggage', headers.baggage);
}

/**
 * The log fields the pino instrumentation adds when tracing is on (`trace_id`, `span_id`), from
 * carried headers, so a log line keeps its caller's trace id with tracing off.
 */
export function traceLogFields(headers: TraceHeaders | undefined): { trace_id?: string; span_id?: string } {
  return headers ? { trace_id: headers.traceId, span_id: headers.spanId } : {};
}

/**
 * The log fields of a span as the pino instrumentation writes them (`trace_id`, `span_id`,
 * `trace_flags`), for lines written by the lean path, which loads no pino instrumentation.
 */
export function spanLogFields(span: { spanContext(): { traceId: string; spanId: string; traceFlags: number } } | undefined): {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
} {
  if (!span) return {};
  const sc = span.spanContext();
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: traceFlagsHex(sc.traceFlags) };
}

/** A metadata entry's first value when it is a string (`metadata.get(name)[0]`). */
export function metadataValue(metadata: { get(key: string): unknown[] }, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return typeof value === 'string' ? value : undefined;
}

/** A getter over gRPC metadata ({@link metadataValue}). */
export function metadataGetter(metadata: { get(key: string): unknown[] }): HeaderGetter {
  return (name) => metadataValue(metadata, name);
}

/** A getter over Node's incoming HTTP headers (a repeated header's first value). */
export function httpHeaderGetter(headers: Record<string, string | string[] | undefined>): HeaderGetter {
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}
