import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { projectRoot } from '../paths';
import { diagLevel } from './diag-logger';
import { createExporter } from './exporters';
import { CountingExporter, CountingProcessor } from './export-stats';
import { LeanTracerProvider } from './lean/lean-tracer';
import { PooledIdGenerator } from './lean/pooled-ids';
import { createSampling } from './lean/sampling';
import { LeanW3CPropagator } from './lean/w3c-propagator';
import { ATTR_SERVICE_INSTANCE_ID } from './instance-id';
import { LeanOtlpProcessor } from './otlp/lean-otlp-processor';
import { TRACER_NAME } from './spans';
import type { TracingConfig } from './tracing-config';
import type { Tracing } from './tracing';

// The SDK half of the bootstrap, required only when tracing is enabled: with tracing off the
// process loads none of these packages (bootstrap.ts). Lean mode loads only what it uses; the
// NodeSDK (and with it the metrics and logs SDKs and every exporter package) only in auto mode
// (start-auto.ts): a smaller heap is less for every garbage collection to walk.

/**
 * The processor that exports: OTLP/HTTP protobuf goes through the lean processor (our encoder,
 * one keep-alive POST per batch, never on a request's path); every other exporter through the
 * stock BatchSpanProcessor.
 */
function exportingProcessor(config: TracingConfig): SpanProcessor | undefined {
  if (config.exporter === 'otlp' && config.otlpProtocol === 'http/protobuf') {
    return new LeanOtlpProcessor({ url: config.endpoint, ...config.batch });
  }
  const exporter = createExporter(config);
  if (!exporter) return undefined;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  return new BatchSpanProcessor(new CountingExporter(exporter), config.batch);
}

/** OTEL_SPAN_*_LIMIT values that are set, as the lean provider's limits. */
function limitsFromEnv(env: NodeJS.ProcessEnv) {
  const read = (key: string) => {
    const n = Number(env[key]);
    return env[key] !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const limits = {
    attributeCountLimit: read('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? read('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    eventCountLimit: read('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: read('OTEL_SPAN_LINK_COUNT_LIMIT'),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

/**
 * service.name, service.version and service.instance.id, over what the env, process and host
 * detectors found (the instance id already took OTEL_RESOURCE_ATTRIBUTES into account).
 */
function serviceResource(config: TracingConfig) {
  return resourceFromAttributes({
    [ATTR_SERVICE_NAME]: config.serviceName,
    [ATTR_SERVICE_INSTANCE_ID]: config.serviceInstanceId,
    [ATTR_SERVICE_VERSION]: (require(`${projectRoot}/package.json`) as { version: string }).version,
  });
}

const DETECTORS = [envDetector, processDetector, hostDetector];

/**
 * The resource of every span this process makes, the same in both modes: what the env, process
 * and host detectors found, under service.name/version/instance.id. Built here (not by NodeSDK,
 * which merges what it detects over what it is given) so OTEL_RESOURCE_ATTRIBUTES cannot undo the
 * instance id's precedence in auto mode.
 */
function processResource(config: TracingConfig) {
  return detectResources({ detectors: DETECTORS }).merge(serviceResource(config));
}

/**
 * Lean tracing: the W3C propagators, the AsyncLocalStorage context manager and the lean tracer
 * provider, wired directly. NodeSDK is not used here because the tracer provider it builds is
 * the cost this mode removes (lean/lean-tracer.ts, bench/README.md); everything else NodeSDK
 * would set up is these three calls. Returns the provider (what shutdown stops) and lean tracing
 * wired to the three.
 */
function startLean(config: TracingConfig, processors: SpanProcessor[], env: NodeJS.ProcessEnv) {
  // AsyncLocalStorage on Node 24 is AsyncContextFrame: no promise hooks, a pointer per promise.
  // The lean choke points parent their spans explicitly; the context manager serves DB spans and
  // any span a handler starts itself.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const propagator = new LeanW3CPropagator();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(propagator);
  const provider = new LeanTracerProvider({
    resource: processResource(config),
    sampled: createSampling({ rate: config.samplingRate, parentBased: config.parentBased }),
    idGenerator: new PooledIdGenerator(),
    processors,
    limits: limitsFromEnv(env),
  });
  trace.setGlobalTracerProvider(provider);
  // The same three, registered for everyone else, are handed to lean tracing itself: its calls
  // on every request then skip the API's global lookups.
  const { LeanTracing } = require('./lean/lean-tracing') as typeof import('./lean/lean-tracing');
  return { provider, tracing: new LeanTracing(provider.getTracer(TRACER_NAME), { propagator, contexts: contextManager, parentBased: config.parentBased }) };
}

/**
 * Starts tracing for `config` (enabled). `auto`: sdk-node's NodeSDK with the stock
 * instrumentations, its tracer provider, the sampler, W3C propagators, the AsyncLocalStorage
 * context manager and the exporting processor: the standard setup, unchanged. `lean`: the same
 * sampler, propagators, context manager and processors around the lean tracer provider.
 * Returns what shutdown stops and the mode's implementation of the tracing interface.
 */
export function startSdk(
  config: TracingConfig,
  extraProcessors: SpanProcessor[],
  env: NodeJS.ProcessEnv,
): { shutdown(): Promise<void>; tracing: Tracing } {
  const diagOptions = { logLevel: diagLevel(env.OTEL_LOG_LEVEL), suppressOverrideMessage: true };
  // Instrumentations enable themselves (install their require hooks) when constructed, so they
  // are created before the exporter: the OTLP gRPC exporter loads grpc-js, which must be patched.
  // Required only in auto mode: the lean path does not even load them.
  const instrumentations =
    config.instrumentation === 'auto'
      ? (require('./instrumentations') as typeof import('./instrumentations')).createInstrumentations()
      : [];
  const exporting = exportingProcessor(config);
  // The counter is always there, so that with exporter `none` spans are still made and ended
  // (NodeSDK registers no tracer provider at all without a processor).
  const processors = [new CountingProcessor(), ...(exporting ? [exporting] : []), ...extraProcessors];
  if (config.instrumentation === 'lean') {
    const { provider, tracing } = startLean(config, processors, env);
    return { shutdown: () => provider.shutdown(), tracing };
  }
  const sdk = (require('./start-auto') as typeof import('./start-auto')).startAuto(config, { instrumentations, processors, resource: processResource(config), diagOptions });
  const { AutoTracing } = require('./auto-tracing') as typeof import('./auto-tracing');
  return { shutdown: () => sdk.shutdown(), tracing: new AutoTracing() };
}
