import type { IncomingHttpHeaders } from 'node:http';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { requestTrace } from './request-trace';

/**
 * The `traceresponse` value for a request: its active span's context when tracing is on, the
 * caller's own traceparent when tracing is off, undefined when there is neither.
 */
export function traceResponseValue(req: { headers: IncomingHttpHeaders }): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return requestTrace(req)?.traceparent;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Sets the W3C `traceresponse` header (`00-<trace-id>-<span-id>-<flags>`) so a caller can look its
 * request up in Jaeger. Runs first, before any body is written.
 */
export const traceResponse: RequestHandler = (req, res, next) => {
  const value = traceResponseValue(req);
  if (value) res.setHeader('traceresponse', value);
  next();
};
