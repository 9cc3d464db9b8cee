import pino, { type DestinationStream, type Logger } from 'pino';
import { serviceInstanceId, tracing } from '../telemetry/active-config';
import { censorOneLevelDown, CENSOR, NAMED_PATHS } from './redaction';

export type { Logger } from 'pino';

/**
 * Creates the process logger: JSON lines on stdout (or `destination`), `service` and
 * `service_instance_id` (the trace resource's `service.instance.id`) on every line, and (tracing
 * on) the active span's `trace_id`/`span_id`/`trace_flags`. Create it after the tracing preload
 * has run, as every main.ts does.
 *
 * Belt and braces: nothing should log a secret, but if an object carrying one is ever logged
 * (as the line's fields, a child's bindings or a `%o` argument), its value is replaced before it
 * is serialised: pino redacts the named paths, redaction.ts the secret keys one object down.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    ...tracing().loggerOptions,
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
