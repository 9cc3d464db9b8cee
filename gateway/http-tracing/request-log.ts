import type { Request, Response } from 'express';
import type { Logger } from '../../shared/logging/logger';
import type { LogTraceFields } from '../../shared/telemetry/tracing';

/** The pattern of the route that took a request (`/api/v1/users/:id`), or undefined when none did. */
export function routePattern(req: Request): string | undefined {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? req.baseUrl + pattern : undefined;
}

/**
 * Writes a request's one log line once its response is done: method, path (the route pattern
 * when a route took it, else the path), status, durationMs and the request's trace fields.
 * Never headers, query strings or bodies: they carry tokens and passwords.
 */
export function logRequest(logger: Logger, req: Request, res: Response, started: bigint, traceFields: LogTraceFields): void {
  const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
  const path = routePattern(req) ?? req.originalUrl.split('?', 1)[0] ?? req.originalUrl;
  const line = { method: req.method, path, status: res.statusCode, durationMs, ...traceFields };
  // A response closed before it finished means the client went away.
  if (res.writableFinished) logger.info(line, 'request');
  else logger.warn({ ...line, aborted: true }, 'request');
}
