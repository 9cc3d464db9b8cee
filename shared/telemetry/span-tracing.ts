import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import {
  context as otelContext,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { untrustedCallerContext } from './edge-trust';
import { recordError, tracer as defaultTracer } from './spans';
import {
  formatTraceparent,
  httpHeaderGetter,
  injectTraceHeaders,
  metadataGetter,
  parseTraceHeaders,
  traceLogFields,
  type TraceHeaders,
} from './trace-headers';
import type { GrpcClientEnd, GrpcServerTrace, HttpServerTrace, LogTraceFields, TraceParent, Tracing } from './tracing';

/**
 * The one kind of {@link TraceParent} every implementation hands out: the span it stands for,
 * the context holding that span (undefined with tracing off: no context manager runs, and the
 * active context is the root), and with tracing off the caller's W3C headers, carried by hand.
 */
export class SpanParent implements TraceParent {
  constructor(
    readonly span: Span,
    readonly context: Context | undefined,
    readonly carried: TraceHeaders | undefined,
  ) {}

  setAttribute(key: string, value: AttributeValue): void {
    this.span.setAttribute(key, value);
  }

  addEvent(name: string, attributes?: Attributes): void {
    this.span.addEvent(name, attributes);
  }

  fail(error: unknown): void {
    recordError(this.span, error);
  }
}

/** The span of a parent that has none: records nothing, and its context is invalid. */
export const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const NO_PARENT = new SpanParent(NO_SPAN, undefined, undefined);
const NOTHING: LogTraceFields = Object.freeze({});
const endNothing: GrpcClientEnd = () => undefined;

/** `work()` as a promise: a plain value and an error thrown at once are handled as if returned by a promise. */
function settle<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Every TraceParent is a SpanParent: the implementations below hand out nothing else. */
const asParent = (parent: TraceParent | undefined): SpanParent | undefined => parent as SpanParent | undefined;

/**
 * What every implementation does the same way: operation, procedure and DB spans come from the
 * global tracer provider (whatever is registered; nothing records without one) and are made
 * active, so spans a library starts below them become their children.
 */
export abstract class SpanTracing implements Tracing {
  constructor(protected readonly tracer: Tracer = defaultTracer) {}

  abstract serveHttp(req: IncomingMessage): HttpServerTrace;
  abstract serveGrpc(path: string, metadata: Metadata): GrpcServerTrace;
  abstract callGrpc(client: Client, path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd;

  readonly loggerOptions = {};

  inSpan<T>(name: string, attributes: Attributes, parent: TraceParent | undefined, run: (span: TraceParent) => T | Promise<T>): Promise<T> {
    const from = asParent(parent);
    const parentContext = from?.context ?? otelContext.active();
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parentContext);
    const active = trace.setSpan(parentContext, span);
    const child = new SpanParent(span, from && from.context === undefined ? undefined : active, from?.carried);
    return settle(() => otelContext.with(active, run, undefined, child)).then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        recordError(span, err);
        span.end();
        throw err;
      },
    );
  }

  async dbStatement<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
    try {
      return await run();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      span.addEvent('exception', { 'exception.type': (err as { code?: string }).code ?? (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  }
}

/** A request whose trace is carried by hand: its caller's headers, forwarded unchanged. */
class CarriedTrace implements HttpServerTrace, GrpcServerTrace {
  readonly parent: SpanParent;
  constructor(private readonly headers: TraceHeaders | undefined) {
    this.parent = new SpanParent(NO_SPAN, undefined, headers);
  }
  traceResponse(): string | undefined {
    return this.headers?.traceparent;
  }
  logFields(): LogTraceFields {
    return traceLogFields(this.headers);
  }
  end(): void {}
}

/**
 * Tracing off: no SDK, no patching and no context manager are loaded at all, because each costs
 * CPU on every request even with nothing recorded. The caller's W3C traceparent, tracestate and
 * baggage still travel downstream, carried by hand through the choke points, so a traced caller
 * keeps one trace across an untraced hop and log lines keep its trace id.
 */
export class OffTracing extends SpanTracing {
  /**
   * `spans`: where operation, procedure and DB spans go. None when tracing is disabled (then none
   * is made at all); a process that never started tracing (a test, a script using these modules)
   * gets the API's tracer, so whatever provider it registers records them.
   */
  constructor(private readonly spans?: Tracer) {
    super(spans);
  }

  override inSpan<T>(name: string, attributes: Attributes, parent: TraceParent | undefined, run: (span: TraceParent) => T | Promise<T>): Promise<T> {
    if (this.spans) return super.inSpan(name, attributes, parent, run);
    // Nothing records: the work runs as part of its parent, which it hands on unchanged.
    return settle(() => run(parent ?? NO_PARENT));
  }

  override dbStatement<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
    return this.spans ? super.dbStatement(name, attributes, run) : run();
  }

  serveHttp(req: IncomingMessage): HttpServerTrace {
    return new CarriedTrace(parseTraceHeaders(httpHeaderGetter(req.headers)));
  }

  serveGrpc(_path: string, metadata: Metadata): GrpcServerTrace {
    return new CarriedTrace(parseTraceHeaders(metadataGetter(metadata)));
  }

  callGrpc(_client: Client, _path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd {
    const carried = asParent(parent)?.carried;
    if (carried) injectTraceHeaders(carried, (name, value) => metadata.set(name, value));
    return endNothing;
  }
}

/** The request as the stock instrumentation left it: its span is the active one. */
class ActiveTrace implements HttpServerTrace, GrpcServerTrace {
  readonly parent: SpanParent;
  constructor(req?: IncomingMessage) {
    const active = otelContext.active();
    const span = trace.getSpan(active) ?? NO_SPAN;
    this.parent = new SpanParent(span, active, undefined);
    // An untrusted caller's context is no parent (edge-trust.ts), but a link.
    const caller = req && untrustedCallerContext(req);
    if (caller && span.isRecording()) span.addLink({ context: caller });
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

/**
 * Auto instrumentation: the stock http, express, grpc and pino instrumentations make the HTTP and
 * gRPC spans, propagate their context and stamp log lines; this adds the operation, procedure
 * and DB spans under whatever span is active.
 */
export class AutoTracing extends SpanTracing {
  serveHttp(req: IncomingMessage): HttpServerTrace {
    return new ActiveTrace(req);
  }

  serveGrpc(_path: string, _metadata: Metadata): GrpcServerTrace {
    return new ActiveTrace();
  }

  callGrpc(_client: Client, _path: string, _parent: TraceParent | undefined, _metadata: Metadata): GrpcClientEnd {
    return endNothing;
  }
}
