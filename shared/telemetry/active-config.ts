import { resolveServiceInstanceId } from './instance-id';
import { OffTracing } from './off-tracing';
import { tracer } from './spans';
import type { TracingConfig } from './tracing-config';
import type { Tracing } from './tracing';

let active: TracingConfig | undefined;

/** The tracing configuration in force, once `startTelemetry` has run; undefined without the preload. */
export function tracingConfig(): TracingConfig | undefined {
  return active;
}

/** Records the configuration `startTelemetry` resolved (kept apart from bootstrap.ts, which loads the SDK). */
export function setTracingConfig(config: TracingConfig): void {
  active = config;
}

// Until startTelemetry chooses: what a process started without the preload (a test, a script)
// gets. Its callers' trace is carried by hand, and its own spans go to whatever tracer provider
// it registers (none: nothing is recorded).
let implementation: Tracing = new OffTracing(tracer);

/** This process's tracing: what every request asks of it (tracing.ts). */
export function tracing(): Tracing {
  return implementation;
}

/** Installs the implementation `startTelemetry` chose; called once, at start. */
export function setTracing(chosen: Tracing): void {
  implementation = chosen;
}

let fallbackInstanceId: string | undefined;

/**
 * This process's `service.instance.id`: the one the preload resolved, or (a process started
 * without it, such as a test harness) the same resolution over the environment alone.
 */
export function serviceInstanceId(): string {
  return active?.serviceInstanceId ?? (fallbackInstanceId ??= resolveServiceInstanceId(process.env, {}));
}
