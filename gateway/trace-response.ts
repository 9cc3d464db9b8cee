import type { IncomingHttpHeaders } from 'node:http';
import { INVALID_TRACEID, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { formatTraceparent } from '../shared/telemetry/trace-headers';
import { requestSpanOf } from './request-span';
import { requestTrace } from './request-trace';

/**
 * The `traceresponse` value for a request: its SERVER span's context when tracing is on, the
 * caller's own traceparent when tracing is off, undefined when there is neither.
 */
export function traceResponseValue(req: { headers: IncomingHttpHeaders }): string | undefined {
  const sc = (requestSpanOf(req) ?? trace.getActiveSpan())?.spanContext();
  // Span contexts here come from validated headers or fresh ids; only the invalid one is checked for.
  if (!sc || sc.traceId === INVALID_TRACEID) return requestTrace(req)?.traceparent;
  return formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags);
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
