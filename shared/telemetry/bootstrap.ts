import { context, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { detectResources, envDetector, processDetector, hostDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ConfigError, readConfigFile } from '../config/load-config';
import { projectRoot } from '../paths';
import { createDiagLogger, diagLevel } from './diag-logger';
import { createExporter } from './exporters';
import { CountingExporter, CountingProcessor, droppedSpans, exportStats } from './export-stats';
import { createInstrumentations } from './instrumentations';
import { setTracingConfig, tracingConfig } from './active-config';
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

let provider: NodeTracerProvider | undefined;

export { tracingConfig };

function samplerFor(config: TracingConfig): Sampler {
  const root =
    config.samplingRate >= 1
      ? new AlwaysOnSampler()
      : config.samplingRate <= 0
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(config.samplingRate);
  return config.parentBased ? new ParentBasedSampler({ root }) : root;
}

/**
 * Starts tracing for this process. Call once, from the preload (`node --require`), before any
 * other module: the instrumentations patch http, express, grpc-js and pino as they are first
 * required. With tracing disabled nothing is patched; the caller's W3C traceparent, tracestate
 * and baggage are still passed downstream, by hand (trace-headers.ts).
 */
export function startTelemetry(options: StartTelemetryOptions): TracingConfig {
  const started = tracingConfig();
  if (started) return started;
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

  diag.setLogger(createDiagLogger(config.serviceName), { logLevel: diagLevel(env.OTEL_LOG_LEVEL), suppressOverrideMessage: true });
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  // Disabled means no patching and no AsyncLocalStorage at all: measured, they cost 17-27% of
  // throughput even with nothing recorded. The caller's trace is then carried by hand
  // (trace-headers.ts) through the few places every request passes.
  if (!config.enabled) return config;

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // Instrumentations first: they take their tracer from the global proxy provider, which
  // delegates to the real provider once it is set below. The exporter (which may load grpc-js)
  // is created only after the patching is in place.
  registerInstrumentations({ instrumentations: createInstrumentations() });

  const exporter = createExporter(config);
  const detected = detectResources({ detectors: [envDetector, processDetector, hostDetector] });
  provider = new NodeTracerProvider({
    resource: detected.merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_SERVICE_VERSION]: (require(`${projectRoot}/package.json`) as { version: string }).version,
      }),
    ),
    sampler: samplerFor(config),
    spanProcessors: [
      ...(exporter ? [new CountingProcessor(), new BatchSpanProcessor(new CountingExporter(exporter), config.batch)] : []),
      ...(options.spanProcessors ?? []),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  return config;
}

/**
 * Flushes spans still queued and stops tracing; call last in a graceful shutdown. Never throws
 * and never takes longer than `timeoutMs`: a collector that is down must not hold up an exit.
 */
export async function shutdownTelemetry(timeoutMs = 5000): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
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
