import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/** The tracer every span this project creates by hand comes from. */
export const tracer = trace.getTracer('traced-grpc-microservices');

/** Records `err` on `span` as an exception event and sets status ERROR with its message. */
export function recordError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * Runs `fn` inside a new INTERNAL span that is active for everything `fn` starts (so gRPC and DB
 * spans below become its children). A thrown error is recorded and the span marked ERROR.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn, undefined, span);
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** `CreateUser` -> `create_user`: the plan's `operation` attribute value. */
export function operationKey(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
