import {
  context as otelContext,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import type { DbStatementSpan, GrpcClientEnd, GrpcServerTrace, HttpServerTrace, TraceParent, Tracing } from './tracing';

// What every implementation of the tracing interface (tracing.ts) makes the same way: the
// operation, procedure and DB spans. Each implementation (off-tracing.ts, auto-tracing.ts,
// lean/lean-tracing.ts) extends SpanTracing and adds how requests come in and calls go out.

/** The instrumentation scope of every span this project creates by hand. */
export const TRACER_NAME = 'traced-grpc-microservices';

/** The tracer every span this project creates by hand comes from (the global provider's, whichever is registered). */
export const tracer = trace.getTracer(TRACER_NAME);
const projectTracer = tracer;

// Bound once: the API's `trace` is a getter on its module, read on every call otherwise.
const { setSpan } = trace;

// A DB span's name until it is described (at once, when it records).
const DB_STATEMENT = 'db statement';

/**
 * Where spans' work runs and which context is active: the API's context (whatever manager is
 * registered), or a manager an implementation holds itself, which skips the API's global lookup
 * on every call.
 */
export type ContextRunner = Pick<ContextManager, 'active' | 'with'>;

/** Records `err` on `span` as an exception event and sets status ERROR with its message. */
export function recordError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** `CreateUser` -> `create_user`: the `operation` attribute's value (snake case, as in logs and metrics). */
export function operationKey(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The span of a parent that has none: records nothing, and its context is invalid. */
export const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * A {@link TraceParent} that stands for a span: the span, and the context holding it (undefined
 * with tracing off, where no context manager runs and the active context is the root). The
 * implementations hand out these (or a subclass), and recognise their own with `instanceof`.
 */
export class SpanParent implements TraceParent {
  constructor(
    readonly span: Span,
    readonly context: Context | undefined,
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

/** `work()` as a promise: a plain value and an error thrown at once are handled as if returned by a promise. */
export function settle<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The part every implementation shares: operation, procedure and DB spans come from the global
 * tracer provider (whatever is registered; nothing records without one) and are made active, so
 * spans a library starts below them become their children.
 */
export abstract class SpanTracing implements Tracing {
  constructor(
    protected readonly tracer: Tracer = projectTracer,
    protected readonly contexts: ContextRunner = otelContext,
  ) {}

  abstract serveHttp(req: IncomingMessage, clientAddress?: string): HttpServerTrace;
  abstract serveGrpc(path: string, metadata: Metadata): GrpcServerTrace;
  abstract callGrpc(client: Client, path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd;

  readonly loggerOptions = {};

  /** The parent that a span started under `from` hands to the work it runs. */
  protected childParent(span: Span, context: Context | undefined, _from: SpanParent | undefined): SpanParent {
    return new SpanParent(span, context);
  }

  inSpan<T>(name: string, attributes: Attributes, parent: TraceParent | undefined, run: (span: TraceParent) => T | Promise<T>): Promise<T> {
    const from = parent instanceof SpanParent ? parent : undefined;
    const parentContext = from?.context ?? this.contexts.active();
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parentContext);
    const active = setSpan(parentContext, span);
    const child = this.childParent(span, from && from.context === undefined ? undefined : active, from);
    return settle(() => this.contexts.with(active, run, undefined, child)).then(
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

  async dbStatement<T>(describe: () => DbStatementSpan, run: () => Promise<T>): Promise<T> {
    // The samplers (parent-based, trace-id ratio) decide without the name or attributes, so
    // the span starts undescribed and only one that records is described.
    const span = this.tracer.startSpan(DB_STATEMENT, { kind: SpanKind.CLIENT }, this.contexts.active());
    if (span.isRecording()) {
      const { name, attributes } = describe();
      span.updateName(name);
      span.setAttributes(attributes);
    }
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
