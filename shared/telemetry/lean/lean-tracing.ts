import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import {
  defaultTextMapGetter,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { untrustedCallerContext } from '../edge-trust';
import { NO_SPAN, settle, SpanParent, SpanTracing, type ContextRunner } from '../spans';
import { formatTraceparent, metadataValue, spanLogFields } from '../trace-headers';
import type { DbStatementSpan, GrpcClientEnd, GrpcServerTrace, HttpServerTrace, LogTraceFields, TraceParent } from '../tracing';
import { pathOf, UNTRACED_GRPC_METHODS, UNTRACED_PATHS } from '../untraced';
import { incomingRequestAttributes } from './http-attributes';
import { LEAN_ROOT_CONTEXT } from './lean-context';

// Lean tracing: the HTTP and gRPC spans are made here, at the few places every request passes
// (the gateway's middleware, `unary()` and `implement()`), instead of by patching node:http and
// grpc-js. They are built to be indistinguishable from what the stock instrumentations record
// (same names, kinds, attributes, statuses): the end-to-end trace tests run against both. The
// operation, procedure and DB spans are SpanTracing's (spans.ts).

// Bound once: the API's `trace` is a getter on its module, read on every call otherwise.
const { getActiveSpan, getSpan, setSpan } = trace;

/**
 * How trace context goes into and comes out of headers and metadata: the API's `propagation`
 * (whatever propagator is registered), or the propagator itself, held directly.
 */
export type Propagator = Pick<TextMapPropagator, 'inject' | 'extract'>;

// ---- gRPC spans, as @opentelemetry/instrumentation-grpc records them ----

/** `/user.v1.UserService/GetUser` split as the instrumentation names it. */
interface MethodNames {
  spanName: string;
  service: string;
  method: string;
}

const namesByPath = new Map<string, MethodNames>();

function namesOf(path: string): MethodNames {
  let names = namesByPath.get(path);
  if (!names) {
    const trimmed = path.startsWith('/') ? path.slice(1) : path;
    const slash = trimmed.lastIndexOf('/');
    names = { spanName: `grpc.${trimmed}`, service: trimmed.slice(0, slash), method: trimmed.slice(slash + 1) };
    namesByPath.set(path, names);
  }
  return names;
}

/** Whether a method path (`/grpc.health.v1.Health/Check`) is one that is never traced. */
export function isUntracedMethod(path: string): boolean {
  return UNTRACED_GRPC_METHODS.includes(namesOf(path).method);
}

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const metadataGetterForPropagation: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: metadataValue,
};

// Same pattern the instrumentation applies to a channel target (`dns:host:port`, `ipv4:a:p`).
const URI_REGEX = /(?:([A-Za-z0-9+.-]+):(?:\/\/)?)?(?<name>[A-Za-z0-9+.-]+):(?<port>[0-9+.-]+)$/;

/** `server.address` / `server.port` of a channel target, as the instrumentation derives them. */
export function peerOf(target: string): { address: string | undefined; port: number } {
  const parsed = URI_REGEX.exec(target);
  return { address: parsed?.groups?.name, port: parseInt(parsed?.groups?.port ?? '') };
}

/**
 * Starts the CLIENT span of an outgoing call under `parent` and writes its W3C context (and the
 * parent's baggage) into `metadata`.
 */
export function startClientSpan(
  tracer: Tracer,
  path: string,
  peer: { address: string | undefined; port: number },
  parent: Context,
  metadata: Metadata,
  propagator: Propagator = propagation,
): Span {
  const names = namesOf(path);
  const span = tracer.startSpan(names.spanName, { kind: SpanKind.CLIENT }, parent);
  // Attributes only for a span that records them: an unsampled call pays for none.
  if (span.isRecording()) {
    span.setAttributes({
      'rpc.system': 'grpc',
      'rpc.method': names.method,
      'rpc.service': names.service,
      'server.address': peer.address,
      'server.port': peer.port,
    });
  }
  propagator.inject(setSpan(parent, span), metadata, metadataSetter);
  return span;
}

/** Ends a CLIENT span with the call's outcome: ERROR (no message) for any status but OK. */
export function endClientSpan(span: Span, err: { code?: number; name?: string; message?: string } | null): void {
  if (err) {
    if (err.code) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('rpc.grpc.status_code', err.code);
    }
    span.setAttributes({ 'grpc.error_name': err.name, 'grpc.error_message': err.message });
  } else {
    span.setAttribute('rpc.grpc.status_code', 0);
  }
  span.end();
}

/** The caller's context (W3C traceparent, tracestate, baggage) from incoming metadata. */
export function extractFromMetadata(metadata: Metadata, propagator: Propagator = propagation): Context {
  return propagator.extract(LEAN_ROOT_CONTEXT, metadata, metadataGetterForPropagation);
}

const PREVIOUS_ATTEMPTS = 'grpc-previous-rpc-attempts';

/** Attribute of a SERVER span serving a retry: how many attempts of the same call came before it. */
export const ATTR_PREVIOUS_ATTEMPTS = 'rpc.grpc.previous_rpc_attempts';

/** Starts the SERVER span of an incoming call, child of the caller's span. */
export function startServerSpan(tracer: Tracer, path: string, metadata: Metadata, propagator: Propagator = propagation): { span: Span; context: Context } {
  const names = namesOf(path);
  const parent = extractFromMetadata(metadata, propagator);
  const span = tracer.startSpan(names.spanName, { kind: SpanKind.SERVER }, parent);
  if (span.isRecording()) {
    span.setAttributes({ 'rpc.system': 'grpc', 'rpc.method': names.method, 'rpc.service': names.service });
    // grpc-js numbers the attempts of a retried call (service-config.ts): a retry's server span
    // says it is one, beside the failed attempt's under the same client span.
    const previous = metadata.get(PREVIOUS_ATTEMPTS)[0];
    if (previous !== undefined) span.setAttribute(ATTR_PREVIOUS_ATTEMPTS, Number(previous));
  }
  return { span, context: setSpan(parent, span) };
}

/**
 * Ends a SERVER span with the status sent: ERROR for any status but OK. No message: the
 * instrumentation reads `message`/`name` off the error handed to grpc-js, and what `implement()`
 * hands it is the mapped `{code, details}`, which has neither.
 */
export function endServerSpan(span: Span, err: { code: number } | null): void {
  if (err) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('rpc.grpc.status_code', err.code);
  } else {
    span.setStatus({ code: SpanStatusCode.UNSET });
    span.setAttribute('rpc.grpc.status_code', 0);
  }
  span.end();
}

// ---- The tracing interface ----

const NO_TRACE: HttpServerTrace = Object.freeze({
  parent: new SpanParent(NO_SPAN, LEAN_ROOT_CONTEXT),
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
    this.parent = new SpanParent(span, setSpan(parentContext, span));
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

  constructor(tracer: Tracer, path: string, metadata: Metadata, propagator: Propagator) {
    const server = startServerSpan(tracer, path, metadata, propagator);
    this.parent = new SpanParent(server.span, server.context);
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
  const span = getActiveSpan();
  return span ? spanLogFields(span) : NOTHING;
};
const mergeSpanFields = (line: object, fields: object) => (fields === NOTHING ? line : Object.assign(fields, line));

/** What lean tracing is wired to besides its tracer (start-sdk.ts hands over the process's own). */
export interface LeanWiring {
  /** The propagator (default: the API's `propagation`, whatever is registered). */
  propagator?: Propagator;
  /** The context manager (default: the API's `context`). */
  contexts?: ContextRunner;
  /**
   * Sampling follows the parent (parent-based): then work in an unsampled trace starts no span
   * of its own. Default false: every span goes to the tracer's sampler.
   */
  parentBased?: boolean;
}

/**
 * Lean tracing's {@link Tracing}: the project's own spans at its choke points, nothing patched.
 * The process's tracer, propagator and context manager are handed to it (start-sdk.ts), so a
 * request's path makes no lookup through the API's globals; without them (tests), the API's.
 */
export class LeanTracing extends SpanTracing {
  // server.address/server.port of a client's channel, parsed once per client.
  private readonly peers = new WeakMap<Client, { address: string | undefined; port: number }>();

  private readonly propagator: Propagator;
  private readonly parentBased: boolean;

  constructor(tracer?: Tracer, wiring: LeanWiring = {}) {
    super(tracer, wiring.contexts);
    this.propagator = wiring.propagator ?? propagation;
    this.parentBased = wiring.parentBased ?? false;
  }

  /**
   * Whether work under `context` can record nothing: its trace is not sampled, and sampling
   * follows the parent. Such work makes no span of its own (an operation's or a statement's
   * would record nothing); it runs as part of its parent.
   */
  private unsampled(context: Context): boolean {
    if (!this.parentBased) return false;
    const span = getSpan(context);
    return span !== undefined && (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0;
  }

  override inSpan<T>(name: string, attributes: Attributes, parent: TraceParent | undefined, run: (span: TraceParent) => T | Promise<T>): Promise<T> {
    const from = parent instanceof SpanParent ? parent : undefined;
    const context = from?.context ?? this.contexts.active();
    if (!this.unsampled(context)) return super.inSpan(name, attributes, parent, run);
    // Still made active: a span started below (by a library, say) must see the unsampled trace.
    return settle(() => this.contexts.with(context, run, undefined, from ?? new SpanParent(getSpan(context)!, context)));
  }

  override dbStatement<T>(describe: () => DbStatementSpan, run: () => Promise<T>): Promise<T> {
    return this.unsampled(this.contexts.active()) ? run() : super.dbStatement(describe, run);
  }

  override readonly loggerOptions = { mixin: activeSpanFields, mixinMergeStrategy: mergeSpanFields };

  serveHttp(req: IncomingMessage, clientAddress?: string): HttpServerTrace {
    if (UNTRACED_PATHS.has(pathOf(req.url))) return NO_TRACE;
    const parent = this.propagator.extract(LEAN_ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const method = req.method || 'GET';
    // An untrusted caller's context is no parent (edge-trust.ts), but a link.
    const caller = untrustedCallerContext(req);
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, links: caller && [{ context: caller }] }, parent);
    // Attributes only for a span that records them: an unsampled request pays for none.
    if (span.isRecording()) span.setAttributes(incomingRequestAttributes(req, clientAddress));
    return new HttpServerSpan(span, method, parent);
  }

  serveGrpc(path: string, metadata: Metadata): GrpcServerTrace {
    return new GrpcServerSpan(this.tracer, path, metadata, this.propagator);
  }

  callGrpc(client: Client, path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd {
    if (isUntracedMethod(path)) return () => undefined;
    let peer = this.peers.get(client);
    if (!peer) {
      peer = peerOf(client.getChannel().getTarget());
      this.peers.set(client, peer);
    }
    const from = parent instanceof SpanParent ? parent.context : undefined;
    const span = startClientSpan(this.tracer, path, peer, from ?? this.contexts.active(), metadata, this.propagator);
    return (error) => endClientSpan(span, error);
  }
}
