import {
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import { LEAN_ROOT_CONTEXT } from './lean/lean-context';
import { metadataValue } from './trace-headers';
import { UNTRACED_GRPC_METHODS } from './untraced';

// Lean tracing's gRPC spans, built to be indistinguishable from what
// @opentelemetry/instrumentation-grpc 0.223 records (same names, kinds, attributes, statuses):
// the end-to-end trace tests run against both. Made at the two choke points every call passes
// (`unary()` and `implement()`, through lean-tracing.ts), so nothing is patched.


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
  propagation.inject(trace.setSpan(parent, span), metadata, metadataSetter);
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
export function extractFromMetadata(metadata: Metadata): Context {
  return propagation.extract(LEAN_ROOT_CONTEXT, metadata, metadataGetterForPropagation);
}

const PREVIOUS_ATTEMPTS = 'grpc-previous-rpc-attempts';

/** Attribute of a SERVER span serving a retry: how many attempts of the same call came before it. */
export const ATTR_PREVIOUS_ATTEMPTS = 'rpc.grpc.previous_rpc_attempts';

/** Starts the SERVER span of an incoming call, child of the caller's span. */
export function startServerSpan(tracer: Tracer, path: string, metadata: Metadata): { span: Span; context: Context } {
  const names = namesOf(path);
  const parent = extractFromMetadata(metadata);
  const span = tracer.startSpan(names.spanName, { kind: SpanKind.SERVER }, parent);
  if (span.isRecording()) {
    span.setAttributes({ 'rpc.system': 'grpc', 'rpc.method': names.method, 'rpc.service': names.service });
    // grpc-js numbers the attempts of a retried call (service-config.ts): a retry's server span
    // says it is one, beside the failed attempt's under the same client span.
    const previous = metadata.get(PREVIOUS_ATTEMPTS)[0];
    if (previous !== undefined) span.setAttribute(ATTR_PREVIOUS_ATTEMPTS, Number(previous));
  }
  return { span, context: trace.setSpan(parent, span) };
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
