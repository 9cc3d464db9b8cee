import {
  propagation,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed as isTracingSuppressedFn, TraceState, W3CBaggagePropagator } from '@opentelemetry/core';
import { parseTraceparentFast } from '../trace-headers';

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const BAGGAGE = 'baggage';
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

const baggagePropagator = new W3CBaggagePropagator();

// Bound once: the API's `trace` and `propagation` and core's re-exports are getters on their
// modules, read on every call otherwise.
const { getSpanContext, setSpanContext } = trace;
const { getBaggage } = propagation;
const isTracingSuppressed = isTracingSuppressedFn;

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
    const sc = getSpanContext(context);
    if (sc && !isTracingSuppressed(context) && sc.traceId !== INVALID_TRACE_ID && sc.spanId !== INVALID_SPAN_ID) {
      // Formatted exactly as the stock propagator formats it.
      setter.set(carrier, TRACEPARENT, `00-${sc.traceId}-${sc.spanId}-${flagsField(sc.traceFlags)}`);
      if (sc.traceState) setter.set(carrier, TRACESTATE, sc.traceState.serialize());
    }
    if (getBaggage(context)) baggagePropagator.inject(context, carrier, setter);
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
        out = setSpanContext(out, parsed);
      }
    }
    if (getter.get(carrier, BAGGAGE) !== undefined) out = baggagePropagator.extract(out, carrier, getter);
    return out;
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE, BAGGAGE];
  }
}
