import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

/** The `traceresponse` value for the active span, or undefined when there is no valid one. */
export function traceResponseValue(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Sets the W3C `traceresponse` header (`00-<trace-id>-<span-id>-<flags>`) so a caller can look its
 * request up in Jaeger. Runs first, before any body is written, and only when a span is active.
 */
export const traceResponse: RequestHandler = (_req, res, next) => {
  const value = traceResponseValue();
  if (value) res.setHeader('traceresponse', value);
  next();
};
