import { resolveServiceInstanceId } from './instance-id';
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

/**
 * Who makes the HTTP and gRPC spans in this process: `off` (nobody: the caller's trace is carried
 * by hand), `lean` (the project's choke points) or `auto` (the stock instrumentations). Read on
 * every request, so it is a plain field lookup.
 */
export function tracingMode(): 'off' | 'lean' | 'auto' {
  if (!active?.enabled) return 'off';
  return active.instrumentation;
}

let fallbackInstanceId: string | undefined;

/**
 * This process's `service.instance.id`: the one the preload resolved, or (a process started
 * without it, such as a test harness) the same resolution over the environment alone.
 */
export function serviceInstanceId(): string {
  return active?.serviceInstanceId ?? (fallbackInstanceId ??= resolveServiceInstanceId(process.env, {}));
}
