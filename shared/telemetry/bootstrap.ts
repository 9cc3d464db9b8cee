// STUB: replaced by the real bootstrap (being written now). Keep the exported signatures.

/** Options of {@link startTelemetry}. */
export interface StartTelemetryOptions {
  /** Service name when neither TRACING_SERVICE_NAME, OTEL_SERVICE_NAME nor config.yaml set one. */
  defaultServiceName: string;
  /** The process's config.yaml (its `tracing:` section). */
  configFile?: string;
}

/** Starts tracing for this process; call once, from the preload, before anything else. */
export function startTelemetry(_options: StartTelemetryOptions): void {}

/** Flushes and stops tracing; call last in a graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {}
