import type { TracingConfig } from './tracing-config';

let active: TracingConfig | undefined;

/** The tracing configuration in force, once `startTelemetry` has run; undefined without the preload. */
export function tracingConfig(): TracingConfig | undefined {
  return active;
}

/** Records the configuration `startTelemetry` resolved (kept apart so hot paths need not load the SDK). */
export function setTracingConfig(config: TracingConfig): void {
  active = config;
}
