import { diag, type DiagLoggerOptions } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createDiagLogger } from './diag-logger';
import type { TracingConfig } from './tracing-config';

// Auto instrumentation: the standard OpenTelemetry setup, sdk-node's NodeSDK, unchanged.

/** The SDK sampler for the configured rate (parent-based unless configured otherwise). */
function samplerFor(config: TracingConfig): Sampler {
  const root =
    config.samplingRate >= 1
      ? new AlwaysOnSampler()
      : config.samplingRate <= 0
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(config.samplingRate);
  return config.parentBased ? new ParentBasedSampler({ root }) : root;
}

/** What start-sdk.ts has prepared for the NodeSDK. */
export interface AutoParts {
  instrumentations: Instrumentation[];
  processors: SpanProcessor[];
  /** The complete resource (detected attributes included): NodeSDK detects nothing itself. */
  resource: Resource;
  diagOptions: DiagLoggerOptions;
}

/**
 * Starts NodeSDK with the stock instrumentations, its tracer provider and sampler, the W3C
 * propagators, the AsyncLocalStorage context manager and the given processors.
 */
export function startAuto(config: TracingConfig, parts: AutoParts): { shutdown(): Promise<void> } {
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    resource: parts.resource,
    autoDetectResources: false,
    sampler: samplerFor(config),
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    contextManager: new AsyncLocalStorageContextManager(),
    // They take their tracer from the global proxy provider, which delegates to the real provider
    // once start() sets it.
    instrumentations: parts.instrumentations,
    spanProcessors: parts.processors,
    // Traces only: no metric readers, no log processors (sdk-node would otherwise default both
    // to OTLP exporters polling localhost).
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // NodeSDK installs its own console diag logger when OTEL_LOG_LEVEL is set; keep ours.
  diag.setLogger(createDiagLogger(config.serviceName), parts.diagOptions);
  return sdk;
}
