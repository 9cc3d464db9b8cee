import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/** The tracer every span this project creates by hand comes from. */
export const tracer = trace.getTracer('traced-grpc-microservices');

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
