import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  defaultTextMapGetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { tracingMode } from '../shared/telemetry/active-config';
import { pathOf, REDACTED_QUERY_PARAMS, UNTRACED_PATHS } from '../shared/telemetry/untraced';
import { tracer } from '../shared/telemetry/spans';

// The HTTP server span of lean tracing, made by the gateway's first middleware instead of by
// patching node:http. Its request attributes come from the stock http instrumentation's own
// function (pinned version, no patching involved), so they are the same by construction; the
// response side (status, route, name, ERROR for 5xx) mirrors it. The end-to-end trace tests run
// against both paths.
type IncomingAttributes = (
  request: IncomingMessage,
  options: { component: 'http'; redactedQueryParams: string[]; enableSyntheticSourceDetection: boolean },
  logger: { verbose(message: string, ...args: unknown[]): void },
) => Attributes;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getIncomingRequestAttributes } = require('@opentelemetry/instrumentation-http/build/src/utils') as {
  getIncomingRequestAttributes: IncomingAttributes;
};

const quietLogger = { verbose: () => undefined };
const ATTRIBUTE_OPTIONS = { component: 'http', redactedQueryParams: REDACTED_QUERY_PARAMS, enableSyntheticSourceDetection: false } as const;

interface RequestSpan {
  span: Span;
  context: Context;
  /** The route pattern a mount point (not a route) claims, e.g. `/trpc`. */
  mountRoute?: string;
}

const spans = new WeakMap<object, RequestSpan>();

/** The route pattern that took a request (`/api/v1/users/:id`), or undefined when none did. */
function matchedRoute(req: Request, entry: RequestSpan): string | undefined {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return (req.baseUrl + pattern).replace(/\/{2,}/g, '/');
  return entry.mountRoute;
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
  const parent = propagation.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const method = req.method || 'GET';
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
  // Attributes only for a span that records them: an unsampled request pays for none.
  if (span.isRecording()) span.setAttributes(getIncomingRequestAttributes(req, ATTRIBUTE_OPTIONS, quietLogger));
  const entry: RequestSpan = { span, context: trace.setSpan(parent, span) };
  spans.set(req, entry);
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
    const entry = spans.get(req);
    if (entry) entry.mountRoute = route;
    next();
  };
}

/** The request's SERVER span (lean tracing), or undefined. */
export function requestSpanOf(req: { headers: IncomingHttpHeaders }): Span | undefined {
  return spans.get(req)?.span;
}

/** The context holding the request's SERVER span (lean tracing), or undefined. */
export function requestSpanContext(req: { headers: IncomingHttpHeaders }): Context | undefined {
  return spans.get(req)?.context;
}
