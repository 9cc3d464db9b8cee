import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import { context as otelContext, trace } from '@opentelemetry/api';
import { untrustedCallerContext } from './edge-trust';
import { NO_SPAN, SpanParent, SpanTracing } from './spans';
import { formatTraceparent } from './trace-headers';
import type { GrpcClientEnd, GrpcServerTrace, HttpServerTrace, LogTraceFields, TraceParent } from './tracing';

// Auto instrumentation: the stock http, express, grpc and pino instrumentations (instrumentations.ts,
// started by start-auto.ts) make the HTTP and gRPC spans, propagate their context and stamp log
// lines. This only hands their spans on as parents; the operation, procedure and DB spans are
// SpanTracing's (spans.ts), under whatever span is active.

const NOTHING: LogTraceFields = Object.freeze({});
const endNothing: GrpcClientEnd = () => undefined;

/** The request as the stock instrumentation left it: its span is the active one. */
class ActiveTrace implements HttpServerTrace, GrpcServerTrace {
  readonly parent: SpanParent;
  constructor(req?: IncomingMessage, clientAddress?: string) {
    const active = otelContext.active();
    const span = trace.getSpan(active) ?? NO_SPAN;
    this.parent = new SpanParent(span, active);
    if (!req || !span.isRecording()) return;
    // An untrusted caller's context is no parent (edge-trust.ts), but a link.
    const caller = untrustedCallerContext(req);
    if (caller) span.addLink({ context: caller });
    // The instrumentation started the span with the socket's peer (edge-attributes.ts, its
    // startIncomingSpanHook); the address the trust rules resolved is known from here on.
    if (clientAddress !== undefined) span.setAttribute('client.address', clientAddress);
  }
  traceResponse(): string | undefined {
    const sc = this.parent.span.spanContext();
    return trace.isSpanContextValid(sc) ? formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags) : undefined;
  }
  logFields(): LogTraceFields {
    // The pino instrumentation adds them to every line itself.
    return NOTHING;
  }
  end(): void {}
}

/** Auto instrumentation's {@link Tracing}: the stock instrumentations' spans, as parents. */
export class AutoTracing extends SpanTracing {
  serveHttp(req: IncomingMessage, clientAddress?: string): HttpServerTrace {
    return new ActiveTrace(req, clientAddress);
  }

  serveGrpc(_path: string, _metadata: Metadata): GrpcServerTrace {
    return new ActiveTrace();
  }

  callGrpc(_client: Client, _path: string, _parent: TraceParent | undefined, _metadata: Metadata): GrpcClientEnd {
    // The grpc instrumentation starts the client span and writes its context into the metadata.
    return endNothing;
  }
}
