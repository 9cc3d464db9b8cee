import {
  propagation,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed, parseTraceParent, TraceState, W3CBaggagePropagator } from '@opentelemetry/core';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const BAGGAGE = 'baggage';
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

const baggagePropagator = new W3CBaggagePropagator();
const parseSlow = parseTraceParent;

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
  return parseSlow(value);
}

/** The traceparent's flags field as the stock propagator writes it (`0` + hex: `01`, `00`, `010` for 16). */
function flagsField(traceFlags: number): string {
  // The two values every call carries, without building a string each time.
  if (traceFlags === 1) return '01';
  if (traceFlags === 0) return '00';
  return `0${Number(traceFlags || 0).toString(16)}`;
}

/**
 * W3C Trace Context and Baggage in one propagator for lean tracing: the same headers, rules and
 * results as CompositePropagator(W3CTraceContextPropagator, W3CBaggagePropagator), without the
 * per-call regular expressions and the composite's fan-out; baggage is handed to the stock
 * propagator only when there is some.
 */
export class LeanW3CPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const sc = trace.getSpanContext(context);
    if (sc && !isTracingSuppressed(context) && sc.traceId !== INVALID_TRACE_ID && sc.spanId !== INVALID_SPAN_ID) {
      // Formatted exactly as the stock propagator formats it.
      setter.set(carrier, TRACEPARENT, `00-${sc.traceId}-${sc.spanId}-${flagsField(sc.traceFlags)}`);
      if (sc.traceState) setter.set(carrier, TRACESTATE, sc.traceState.serialize());
    }
    if (propagation.getBaggage(context)) baggagePropagator.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let out = context;
    const header = getter.get(carrier, TRACEPARENT);
    const value = Array.isArray(header) ? header[0] : header;
    if (typeof value === 'string') {
      const parsed = parseTraceparentFast(value);
      if (parsed) {
        parsed.isRemote = true;
        const state = getter.get(carrier, TRACESTATE);
        if (state) {
          const joined = Array.isArray(state) ? state.join(',') : state;
          parsed.traceState = new TraceState(typeof joined === 'string' ? joined : undefined);
        }
        out = trace.setSpanContext(out, parsed);
      }
    }
    if (getter.get(carrier, BAGGAGE) !== undefined) out = baggagePropagator.extract(out, carrier, getter);
    return out;
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE, BAGGAGE];
  }
}
