import type { IncomingHttpHeaders } from 'node:http';
import {
  defaultTextMapGetter,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { tracingMode } from '../shared/telemetry/active-config';
import { LEAN_ROOT_CONTEXT } from '../shared/telemetry/lean/lean-context';
import { tracer } from '../shared/telemetry/spans';
import { pathOf, UNTRACED_PATHS } from '../shared/telemetry/untraced';
import { incomingRequestAttributes } from './request-attributes';
import { routePattern } from './route-pattern';

// The HTTP server span of lean tracing, made by the gateway's first middleware instead of by
// patching node:http. Its request attributes are the stock http instrumentation's
// (request-attributes.ts); the response side (status, route, name, ERROR for 5xx) mirrors it. The
// end-to-end trace tests run against both paths.

interface RequestSpan {
  span: Span;
  context: Context;
  /** The route pattern a mount point (not a route) claims, e.g. `/trpc`. */
  mountRoute?: string;
}

// On the request object itself: a WeakMap entry per request is an ephemeron the garbage
// collector has to revisit, measurably dearer than a property.
const SPAN = Symbol('requestSpan');
type WithSpan = { [SPAN]?: RequestSpan };
const entryOf = (req: object): RequestSpan | undefined => (req as WithSpan)[SPAN];

/** The route pattern that took a request (`/api/v1/users/:id`), or undefined when none did. */
function matchedRoute(req: Request, entry: RequestSpan): string | undefined {
  // Duplicate slashes collapsed, as the express instrumentation builds the route.
  return routePattern(req)?.replace(/\/{2,}/g, '/') ?? entry.mountRoute;
}

/**
 * Starts the request's SERVER span (lean tracing only; a no-op otherwise), continuing the
 * caller's W3C trace, and ends it when the response is done.
 */
export const requestSpan: RequestHandler = (req, res, next) => {
  if (tracingMode() !== 'lean' || UNTRACED_PATHS.has(pathOf(req.url))) {
    next();
    return;
  }
  const parent = propagation.extract(LEAN_ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const method = req.method || 'GET';
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
  // Attributes only for a span that records them: an unsampled request pays for none.
  if (span.isRecording()) span.setAttributes(incomingRequestAttributes(req));
  const entry: RequestSpan = { span, context: trace.setSpan(parent, span) };
  (req as WithSpan)[SPAN] = entry;
  const end = () => {
    if (!span.isRecording()) return;
    const route = matchedRoute(req, entry);
    span.setAttribute('http.response.status_code', res.statusCode);
    if (route) {
      span.setAttribute('http.route', route);
      span.updateName(`${method} ${route}`);
    }
    // 4xx is the client's error, not the server's (semconv); 5xx and no status are errors.
    if (!(res.statusCode >= 100 && res.statusCode < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  // 'close' follows 'finish' on every response, and is the only event of an aborted one.
  res.once('close', end);
  next();
};

/** Marks requests under a mount point as served by that route (`/trpc`), as express's layers would. */
export function mountRoute(route: string): RequestHandler {
  return (req, _res, next) => {
    const entry = entryOf(req);
    if (entry) entry.mountRoute = route;
    next();
  };
}

/** The request's SERVER span (lean tracing), or undefined. */
export function requestSpanOf(req: { headers: IncomingHttpHeaders }): Span | undefined {
  return entryOf(req)?.span;
}

/** The context holding the request's SERVER span (lean tracing), or undefined. */
export function requestSpanContext(req: { headers: IncomingHttpHeaders }): Context | undefined {
  return entryOf(req)?.context;
}
