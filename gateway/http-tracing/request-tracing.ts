import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../shared/logging/logger';
import { tracing } from '../../shared/telemetry/active-config';
import type { HttpServerTrace, TraceParent } from '../../shared/telemetry/tracing';
import { logRequest, routePattern } from './request-log';

// Every request's trace, from the gateway's first middleware to its response's end: continued
// (or started) by the tracing interface, answered with a W3C `traceresponse` header so a caller
// can look its request up in Jaeger, and closed with the route that took it and one log line.

interface RequestEntry {
  trace: HttpServerTrace;
  /** The route pattern a mount point (not a route) claims, e.g. `/trpc`. */
  mountRoute?: string;
}

// On the request object itself: a WeakMap entry per request is an ephemeron the garbage
// collector has to revisit, dearer than a property.
const ENTRY = Symbol('requestTrace');
type WithEntry = { [ENTRY]?: RequestEntry };

/**
 * The gateway's first middleware: starts the request's trace (its client address as
 * `clientAddress` resolves it, client-address.ts), sets `traceresponse` before any
 * body is written and, on the response's one `close` event (the only event of an aborted
 * response), ends the request's span and writes its log line.
 */
export function traceRequests(logger: Logger, clientAddress: (req: IncomingMessage) => string | undefined): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const trace = tracing().serveHttp(req, clientAddress(req));
    const entry: RequestEntry = { trace };
    (req as WithEntry)[ENTRY] = entry;
    const traceResponse = trace.traceResponse();
    if (traceResponse) res.setHeader('traceresponse', traceResponse);
    res.once('close', () => {
      trace.end(res.statusCode, matchedRoute(req, entry));
      logRequest(logger, req, res, started, trace.logFields());
    });
    next();
  };
}

/** The route the span is named after: duplicate slashes collapsed, as the express instrumentation builds it. */
function matchedRoute(req: Request, entry: RequestEntry): string | undefined {
  return routePattern(req)?.replace(/\/{2,}/g, '/') ?? entry.mountRoute;
}

/** Marks requests under a mount point as served by that route (`/trpc`), as express's layers would. */
export function mountRoute(route: string): RequestHandler {
  return (req, _res, next) => {
    const entry = (req as WithEntry)[ENTRY];
    if (entry) entry.mountRoute = route;
    next();
  };
}

/** The request's place in its trace: the parent of its procedures' spans and calls. */
export function requestParent(req: IncomingMessage): TraceParent | undefined {
  return (req as WithEntry)[ENTRY]?.trace.parent;
}
