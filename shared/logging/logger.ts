import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import { serviceInstanceId, tracingMode } from '../telemetry/active-config';
import { spanLogFields } from '../telemetry/trace-headers';
import { censorOneLevelDown, CENSOR, NAMED_PATHS } from './redaction';

export type { Logger } from 'pino';

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
 * Creates the process logger: JSON lines on stdout (or `destination`), `service` and
 * `service_instance_id` (the trace resource's `service.instance.id`) on every line, and (tracing
 * on) the active span's `trace_id`/`span_id`/`trace_flags`.
 *
 * Belt and braces: nothing should log a secret, but if an object carrying one is ever logged
 * (as the line's fields, a child's bindings or a `%o` argument), its value is replaced before it
 * is serialised: pino redacts the named paths, redaction.ts the secret keys one object down.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    ...(tracingMode() === 'lean' ? { mixin: activeSpanFields, mixinMergeStrategy: mergeSpanFields } : {}),
    level,
    base: { service, service_instance_id: serviceInstanceId() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: NAMED_PATHS, censor: CENSOR },
    formatters: { level: (label) => ({ level: label }), log: censorOneLevelDown },
    hooks: { logMethod: censorFormatArguments },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino gives a child no bindings formatter; a child inherits this property, so grandchildren too.
  const child = logger.child;
  logger.child = function censoredChild(this: Logger, bindings, childOptions) {
    return child.call(this, censorOneLevelDown(bindings), childOptions);
  } as typeof logger.child;
  return logger;
}

/** `%o`/`%j` arguments after the message: the same one-level rule (the line's own fields go through formatters.log). */
function censorFormatArguments(this: Logger, args: unknown[], method: (...args: unknown[]) => void): void {
  // A leading object is the line's fields, and the message follows it; otherwise the message leads.
  const first = typeof args[0] === 'object' && args[0] !== null ? 2 : 1;
  for (let i = first; i < args.length; i++) args[i] = censorOneLevelDown(args[i]);
  method.apply(this, args);
}
