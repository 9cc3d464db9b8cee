import type { Request, RequestHandler } from 'express';
import type { Logger } from '../shared/logging/logger';
import { spanLogFields, traceLogFields } from '../shared/telemetry/trace-headers';
import { requestSpanOf } from './request-span';
import { requestTrace } from './request-trace';
import { routePattern } from './route-pattern';

/** The route pattern of a request (`/api/v1/users/:id`) when a route took it, else its path. */
export function routeOf(req: Request): string {
  return routePattern(req) ?? req.originalUrl.split('?', 1)[0] ?? req.originalUrl;
}

// Lean tracing: the request's own span; tracing off: the caller's traceparent; auto: the pino
// instrumentation adds the fields itself (and neither of the others is set).
const logTraceFields = (req: Request) => {
  const span = requestSpanOf(req);
  return span ? spanLogFields(span) : traceLogFields(requestTrace(req));
};

/**
 * One log line per request when its response is done: method, path (route pattern when known),
 * status and durationMs; trace_id and span_id of the request's span (added by the pino
 * instrumentation, or with tracing off those of the caller's traceparent).
 * Never headers, query strings or bodies: they carry tokens and passwords.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      const durationMs = Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
      const line = { method: req.method, path: routeOf(req), status: res.statusCode, durationMs, ...logTraceFields(req) };
      // A response closed before it finished means the client went away.
      if (res.writableFinished) logger.info(line, 'request');
      else logger.warn({ ...line, aborted: true }, 'request');
    });
    next();
  };
}
