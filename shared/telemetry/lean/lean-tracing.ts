import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import {
  context as otelContext,
  defaultTextMapGetter,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { untrustedCallerContext } from '../edge-trust';
import { endClientSpan, endServerSpan, isUntracedMethod, peerOf, startClientSpan, startServerSpan } from '../grpc-spans';
import { NO_SPAN, SpanParent, SpanTracing } from '../span-tracing';
import { formatTraceparent, spanLogFields } from '../trace-headers';
import type { GrpcClientEnd, GrpcServerTrace, HttpServerTrace, LogTraceFields, TraceParent } from '../tracing';
import { pathOf, UNTRACED_PATHS } from '../untraced';
import { incomingRequestAttributes } from './http-attributes';
import { LEAN_ROOT_CONTEXT } from './lean-context';

// Lean tracing: the HTTP and gRPC spans are made here, at the few places every request passes,
// instead of by patching node:http and grpc-js. They are built to be indistinguishable from what
// the stock instrumentations record (same names, kinds, attributes, statuses): the end-to-end
// trace tests run against both.

const NO_TRACE: HttpServerTrace = Object.freeze({
  parent: new SpanParent(NO_SPAN, LEAN_ROOT_CONTEXT, undefined),
  traceResponse: () => undefined,
  logFields: () => ({}),
  end: () => undefined,
});

/** A request's SERVER span, from its first middleware to its response's end. */
class HttpServerSpan implements HttpServerTrace {
  readonly parent: SpanParent;

  constructor(
    private readonly span: Span,
    private readonly method: string,
    parentContext: Context,
  ) {
    this.parent = new SpanParent(span, trace.setSpan(parentContext, span), undefined);
  }

  traceResponse(): string {
    const sc = this.span.spanContext();
    return formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags);
  }

  logFields(): LogTraceFields {
    return spanLogFields(this.span);
  }

  end(status: number, route: string | undefined): void {
    const span = this.span;
    if (!span.isRecording()) return;
    span.setAttribute('http.response.status_code', status);
    if (route) {
      span.setAttribute('http.route', route);
      span.updateName(`${this.method} ${route}`);
    }
    // 4xx is the client's error, not the server's (semconv); 5xx and no status are errors.
    if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

/** An incoming call's SERVER span. */
class GrpcServerSpan implements GrpcServerTrace {
  readonly parent: SpanParent;

  constructor(tracer: Tracer, path: string, metadata: Metadata) {
    const server = startServerSpan(tracer, path, metadata);
    this.parent = new SpanParent(server.span, server.context, undefined);
  }

  logFields(): LogTraceFields {
    return spanLogFields(this.parent.span);
  }

  end(error: { code: number } | null): void {
    endServerSpan(this.parent.span, error);
  }
}

// What a log line written inside a span gets, as the pino instrumentation would add it. A line
// that carries its own ids (the request and rpc lines) skips the lookup, and nothing is merged
// when there is nothing to add.
const NOTHING = Object.freeze({});
const activeSpanFields = (line: object) => {
  if ((line as { trace_id?: unknown }).trace_id !== undefined) return NOTHING;
  const span = trace.getActiveSpan();
  return span ? spanLogFields(span) : NOTHING;
};
const mergeSpanFields = (line: object, fields: object) => (fields === NOTHING ? line : Object.assign(fields, line));

/** Lean tracing's {@link Tracing}: the project's own spans at its choke points, nothing patched. */
export class LeanTracing extends SpanTracing {
  // server.address/server.port of a client's channel, parsed once per client.
  private readonly peers = new WeakMap<Client, { address: string | undefined; port: number }>();

  override readonly loggerOptions = { mixin: activeSpanFields, mixinMergeStrategy: mergeSpanFields };

  serveHttp(req: IncomingMessage): HttpServerTrace {
    if (UNTRACED_PATHS.has(pathOf(req.url))) return NO_TRACE;
    const parent = propagation.extract(LEAN_ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const method = req.method || 'GET';
    // An untrusted caller's context is no parent (edge-trust.ts), but a link.
    const caller = untrustedCallerContext(req);
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, links: caller && [{ context: caller }] }, parent);
    // Attributes only for a span that records them: an unsampled request pays for none.
    if (span.isRecording()) span.setAttributes(incomingRequestAttributes(req));
    return new HttpServerSpan(span, method, parent);
  }

  serveGrpc(path: string, metadata: Metadata): GrpcServerTrace {
    return new GrpcServerSpan(this.tracer, path, metadata);
  }

  callGrpc(client: Client, path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd {
    if (isUntracedMethod(path)) return () => undefined;
    let peer = this.peers.get(client);
    if (!peer) {
      peer = peerOf(client.getChannel().getTarget());
      this.peers.set(client, peer);
    }
    const span = startClientSpan(this.tracer, path, peer, (parent as SpanParent | undefined)?.context ?? otelContext.active(), metadata);
    return (error) => endClientSpan(span, error);
  }
}
