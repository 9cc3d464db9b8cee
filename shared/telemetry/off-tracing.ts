import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { NO_SPAN, settle, SpanParent, SpanTracing } from './spans';
import { httpHeaderGetter, injectTraceHeaders, metadataGetter, parseTraceHeaders, traceLogFields, type TraceHeaders } from './trace-headers';
import type { DbStatementSpan, GrpcClientEnd, GrpcServerTrace, HttpServerTrace, LogTraceFields, TraceParent } from './tracing';

// Tracing off: no SDK, no patching and no context manager are loaded at all, because each costs
// CPU on every request even with nothing recorded. The caller's W3C traceparent, tracestate and
// baggage still travel downstream, carried by hand through the choke points, so a traced caller
// keeps one trace across an untraced hop and log lines keep its trace id.

/** A parent with tracing off: besides its span (none, unless a test registered a provider), the caller's headers. */
class OffParent extends SpanParent {
  constructor(
    span: Span,
    context: Context | undefined,
    readonly carried: TraceHeaders | undefined,
  ) {
    super(span, context);
  }
}

const NO_PARENT = new OffParent(NO_SPAN, undefined, undefined);
const endNothing: GrpcClientEnd = () => undefined;

/** The headers `parent` carries, when it is a parent of this implementation. */
const carriedBy = (parent: TraceParent | undefined): TraceHeaders | undefined => (parent instanceof OffParent ? parent.carried : undefined);

/** A request whose trace is carried by hand: its caller's headers, forwarded unchanged. */
class CarriedTrace implements HttpServerTrace, GrpcServerTrace {
  readonly parent: OffParent;
  constructor(private readonly headers: TraceHeaders | undefined) {
    this.parent = new OffParent(NO_SPAN, undefined, headers);
  }
  traceResponse(): string | undefined {
    return this.headers?.traceparent;
  }
  logFields(): LogTraceFields {
    return traceLogFields(this.headers);
  }
  end(): void {}
}

/** Tracing off: the caller's trace context carried by hand, no span made. */
export class OffTracing extends SpanTracing {
  /**
   * `spans`: where operation, procedure and DB spans go. None when tracing is disabled (then none
   * is made at all); a process that never started tracing (a test, a script using these modules)
   * gets the API's tracer, so whatever provider it registers records them.
   */
  constructor(private readonly spans?: Tracer) {
    super(spans);
  }

  protected override childParent(span: Span, context: Context | undefined, from: SpanParent | undefined): SpanParent {
    return new OffParent(span, context, carriedBy(from));
  }

  override inSpan<T>(name: string, attributes: Attributes, parent: TraceParent | undefined, run: (span: TraceParent) => T | Promise<T>): Promise<T> {
    if (this.spans) return super.inSpan(name, attributes, parent, run);
    // Nothing records: the work runs as part of its parent, which it hands on unchanged.
    return settle(() => run(parent ?? NO_PARENT));
  }

  override dbStatement<T>(describe: () => DbStatementSpan, run: () => Promise<T>): Promise<T> {
    return this.spans ? super.dbStatement(describe, run) : run();
  }

  // No span, so no address to record.
  serveHttp(req: IncomingMessage, _clientAddress?: string): HttpServerTrace {
    return new CarriedTrace(parseTraceHeaders(httpHeaderGetter(req.headers)));
  }

  serveGrpc(_path: string, metadata: Metadata): GrpcServerTrace {
    return new CarriedTrace(parseTraceHeaders(metadataGetter(metadata)));
  }

  callGrpc(_client: Client, _path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd {
    const carried = carriedBy(parent);
    if (carried) injectTraceHeaders(carried, (name, value) => metadata.set(name, value));
    return endNothing;
  }
}
