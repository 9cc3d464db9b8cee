import { trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import { serviceInstanceId, tracingMode } from '../telemetry/active-config';
import { spanLogFields } from '../telemetry/trace-headers';

export type { Logger } from 'pino';

// Belt and braces: nothing should log these, but if an object carrying one is ever logged, pino
// replaces the value before it is serialised.
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

// With lean tracing no pino instrumentation is loaded; this does its one job, the active span's
// ids on every line written inside it. A line that carries its own (the request and rpc lines)
// skips the lookup, and nothing is merged when there is nothing to add.
const NOTHING = Object.freeze({});
const activeSpanFields = (line: object) => {
  if ((line as { trace_id?: unknown }).trace_id !== undefined) return NOTHING;
  const span = trace.getActiveSpan();
  return span ? spanLogFields(span) : NOTHING;
};
const mergeSpanFields = (line: object, fields: object) => (fields === NOTHING ? line : Object.assign(fields, line));

/**
 * Creates the process logger: JSON lines on stdout, `service` and `service_instance_id` (the
 * trace resource's `service.instance.id`) on every line, secrets redacted, and (tracing on) the
 * active span's `trace_id`/`span_id`/`trace_flags`.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    ...(tracingMode() === 'lean' ? { mixin: activeSpanFields, mixinMergeStrategy: mergeSpanFields } : {}),
    level,
    base: { service, service_instance_id: serviceInstanceId() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  });
}
