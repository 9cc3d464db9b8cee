import path from 'node:path';
import { diag } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConfigError, readConfigFile } from '../config/load-config';
import { projectRoot } from '../paths';
import { createDiagLogger, diagLevel } from './diag-logger';
import { droppedSpans, exportStats } from './export-stats';
import { setTracing, setTracingConfig, tracingConfig } from './active-config';
import { OffTracing } from './off-tracing';
import { resolveTracingConfig, type TracingConfig } from './tracing-config';

/** Options of {@link startTelemetry}. */
export interface StartTelemetryOptions {
  /** Service name when neither TRACING_SERVICE_NAME, OTEL_SERVICE_NAME nor config.yaml set one. */
  defaultServiceName: string;
  /** The process's config.yaml (its `tracing:` section); CONFIG_FILE in the environment overrides it. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra span processors after the exporting one (tests use an in-memory exporter here). */
  spanProcessors?: SpanProcessor[];
}

/**
 * The config.yaml and fallback service.name of the process whose main module is `main`
 * (`process.argv[1]`): `dist/<folder>/main.js` reads `<folder>/config.yaml` (whose
 * `tracing.service_name` names it) and falls back to `gateway` or `<name>-service` for
 * `services/<name>`; any other entry point (a script, an ESM app) is named after its file and
 * reads CONFIG_FILE only.
 */
export function entryDefaults(main: string | undefined): Pick<StartTelemetryOptions, 'defaultServiceName' | 'configFile'> {
  const entry = main ?? 'node';
  const folder = path.relative(path.join(projectRoot, 'dist'), path.dirname(entry)).split(path.sep).join('/');
  if (folder === '' || folder.startsWith('..') || path.isAbsolute(folder)) {
    return { defaultServiceName: path.basename(entry, path.extname(entry)) };
  }
  const name = path.posix.basename(folder);
  return {
    defaultServiceName: folder.startsWith('services/') ? `${name}-service` : name,
    configFile: path.join(projectRoot, folder, 'config.yaml'),
  };
}

// The running SDK; the SDK packages are loaded only when tracing is enabled.
let started: { shutdown(): Promise<void> } | undefined;

export { tracingConfig };

/**
 * Starts tracing for this process and chooses its implementation of the tracing interface
 * (tracing.ts), once. Called by the preload (preload.ts), before any other module: with
 * `instrumentation: auto` the stock http, express, grpc-js and pino instrumentations must patch
 * those modules before they are first required. The default `lean` loads none (lean-tracing.ts
 * makes the same spans at the choke points). With tracing disabled nothing is started at all;
 * the caller's W3C traceparent, tracestate and baggage are still passed downstream, by hand
 * (off-tracing.ts).
 */
export function startTelemetry(options: StartTelemetryOptions): TracingConfig {
  const already = tracingConfig();
  if (already) return already;
  const env = options.env ?? process.env;
  let config: TracingConfig;
  try {
    config = resolveTracingConfig({
      env,
      file: readConfigFile(env.CONFIG_FILE ?? options.configFile),
      defaultServiceName: options.defaultServiceName,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  setTracingConfig(config);

  const diagOptions = { logLevel: diagLevel(env.OTEL_LOG_LEVEL), suppressOverrideMessage: true };
  diag.setLogger(createDiagLogger(config.serviceName), diagOptions);
  // Disabled means no SDK, no patching, no context manager and no span objects at all, since
  // each costs CPU on every request even with nothing recorded.
  if (!config.enabled) {
    setTracing(new OffTracing());
    return config;
  }

  const sdk = (require('./start-sdk') as typeof import('./start-sdk')).startSdk(config, options.spanProcessors ?? [], env);
  started = sdk;
  setTracing(sdk.tracing);
  return config;
}

/**
 * Flushes spans still queued and stops tracing; call last in a graceful shutdown. Never throws
 * and never takes longer than `timeoutMs`, by default the configured export timeout
 * (OTEL_BSP_EXPORT_TIMEOUT): a collector that is down must not hold up an exit longer than one
 * export may take, which is what the Kubernetes manifests' grace periods allow for.
 */
export async function shutdownTelemetry(timeoutMs?: number): Promise<void> {
  const p = started;
  started = undefined;
  if (!p) return;
  timeoutMs ??= tracingConfig()!.batch.exportTimeoutMillis;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p.shutdown(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`telemetry shutdown timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    diag.warn('telemetry shutdown incomplete', err);
  } finally {
    clearTimeout(timer);
    process.stderr.write(
      `${JSON.stringify({ level: 'info', time: new Date().toISOString(), service: tracingConfig()?.serviceName, component: 'opentelemetry', msg: 'telemetry stats', spans: { ...exportStats, dropped: droppedSpans() } })}\n`,
    );
  }
}
