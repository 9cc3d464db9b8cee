import { z } from 'zod';
import { bool, oneOf, positiveInt, ratio, url } from '../config/fields';
import { parseConfig, type ConfigSource } from '../config/load-config';
import { resolveServiceInstanceId } from './instance-id';

const EXPORTERS = ['otlp', 'jaeger', 'console', 'none'] as const;
const INSTRUMENTATIONS = ['lean', 'auto'] as const;
const PROTOCOLS = ['grpc', 'http/protobuf'] as const;

/** Where spans go. */
export type ExporterKind = (typeof EXPORTERS)[number];

/**
 * How spans are made. `lean`: by the project's own code at the few places every request passes
 * (HTTP server, tRPC, gRPC client and server, operation, DB), no monkey-patching. `auto`: the
 * stock http, express, grpc and pino instrumentations make the HTTP and gRPC spans, for users who
 * add libraries only auto-instrumentation covers. Both give the same trace.
 */
export type InstrumentationMode = (typeof INSTRUMENTATIONS)[number];

/** OTLP transport: protobuf over HTTP (port 4318) or gRPC (port 4317). */
export type OtlpProtocol = (typeof PROTOCOLS)[number];

/** The resolved tracing configuration of one process. */
export interface TracingConfig {
  enabled: boolean;
  serviceName: string;
  /** `service.instance.id`: which instance of the service this process is (instance-id.ts). */
  serviceInstanceId: string;
  instrumentation: InstrumentationMode;
  exporter: ExporterKind;
  otlpProtocol: OtlpProtocol;
  /** The exporter's full URL (OTLP traces URL, OTLP gRPC endpoint, or Jaeger's /api/traces). */
  endpoint: string;
  /** Fraction of new traces recorded, 0..1. */
  samplingRate: number;
  /** Follow the caller's sampling decision when there is one (W3C `sampled` flag). */
  parentBased: boolean;
  /** BatchSpanProcessor settings (OTEL_BSP_*). */
  batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
}

/** Inputs of {@link resolveTracingConfig}: environment, flattened config.yaml, per-process default name. */
export interface TracingConfigSources {
  env: NodeJS.ProcessEnv;
  /** config.yaml flattened to env-style keys (`TRACING_SAMPLING_RATE`, ...). */
  file: Record<string, string>;
  defaultServiceName: string;
}

// OTEL_TRACES_SAMPLER's values: [rate of new traces (undefined: OTEL_TRACES_SAMPLER_ARG), parent-based].
const SAMPLERS = {
  always_on: [1, false],
  always_off: [0, false],
  traceidratio: [undefined, false],
  parentbased_always_on: [1, true],
  parentbased_always_off: [0, true],
  parentbased_traceidratio: [undefined, true],
} as const;

/** The keys of config.yaml's `tracing:` section; `TRACING_*` in the environment overrides each. */
const TRACING_KEYS = {
  TRACING_ENABLED: bool(true),
  TRACING_SERVICE_NAME: z.string().optional(),
  TRACING_INSTRUMENTATION: oneOf(INSTRUMENTATIONS, { ignoreCase: true }).default('lean'),
  TRACING_EXPORTER: oneOf(EXPORTERS, { ignoreCase: true }).optional(),
  TRACING_OTLP_PROTOCOL: oneOf(PROTOCOLS).optional(),
  TRACING_COLLECTOR_URL: url().optional(),
  TRACING_SAMPLING_RATE: ratio().optional(),
};

/** The standard OpenTelemetry variables honoured, from the environment only. */
const OTEL_KEYS = {
  OTEL_SDK_DISABLED: bool(false),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_TRACES_EXPORTER: oneOf(EXPORTERS, { ignoreCase: true }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: oneOf(PROTOCOLS).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: oneOf(PROTOCOLS).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url().optional(),
  OTEL_TRACES_SAMPLER: oneOf(Object.keys(SAMPLERS) as [keyof typeof SAMPLERS, ...Array<keyof typeof SAMPLERS>], { ignoreCase: true }).optional(),
  OTEL_TRACES_SAMPLER_ARG: ratio().optional(),
  OTEL_BSP_MAX_QUEUE_SIZE: positiveInt(2048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInt(512),
  // Shorter than the specification's 5000, so traces show up within a second.
  OTEL_BSP_SCHEDULE_DELAY: positiveInt(1000),
  OTEL_BSP_EXPORT_TIMEOUT: positiveInt(10000),
};

/** Every tracing setting, validated as one object (the fields of shared/config/fields.ts). */
const tracingSchema = z.object({ ...TRACING_KEYS, ...OTEL_KEYS }).refine((c) => c.OTEL_BSP_MAX_EXPORT_BATCH_SIZE <= c.OTEL_BSP_MAX_QUEUE_SIZE, {
  path: ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE'],
  message: 'must not exceed OTEL_BSP_MAX_QUEUE_SIZE',
});

const DEFAULT_ENDPOINTS = {
  'otlp/http/protobuf': 'http://localhost:4318/v1/traces',
  'otlp/grpc': 'http://localhost:4317',
  jaeger: 'http://localhost:14268/api/traces',
} as const;

/** A value as set: trimmed, and a blank one is no value. */
const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * Resolves tracing settings. Precedence, highest first:
 * `OTEL_SDK_DISABLED=true` (always disables) > `TRACING_*` environment > standard `OTEL_*`
 * environment > the `tracing:` section of config.yaml > built-in defaults.
 * Invalid values throw a ConfigError naming the key and where it was set, as every config error.
 */
export function resolveTracingConfig({ env, file, defaultServiceName }: TracingConfigSources): TracingConfig {
  // TRACING_* from the environment over config.yaml (as every setting), OTEL_* from the environment.
  const values: Record<string, string | undefined> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const key of Object.keys(TRACING_KEYS)) {
    const fromEnv = given(env[key]);
    values[key] = fromEnv ?? given(file[key]);
    sources[key] = fromEnv !== undefined ? 'env' : 'file';
  }
  for (const key of Object.keys(OTEL_KEYS)) {
    values[key] = given(env[key]);
    sources[key] = 'env';
  }
  const c = parseConfig(tracingSchema, values, (key) => sources[key] ?? 'env');
  /** A TRACING_* value when the environment set it (it beats OTEL_*); else undefined. */
  const tracingEnv = <K extends keyof typeof TRACING_KEYS>(key: K) => (sources[key] === 'env' ? c[key] : undefined);
  /** A TRACING_* value when config.yaml set it (OTEL_* beats it); else undefined. */
  const tracingFile = <K extends keyof typeof TRACING_KEYS>(key: K) => (sources[key] === 'file' ? c[key] : undefined);

  const enabled = !c.OTEL_SDK_DISABLED && c.TRACING_ENABLED;
  const serviceName = tracingEnv('TRACING_SERVICE_NAME') ?? c.OTEL_SERVICE_NAME ?? tracingFile('TRACING_SERVICE_NAME') ?? defaultServiceName;
  const serviceInstanceId = resolveServiceInstanceId(env, file);

  // The collector URL: TRACING_COLLECTOR_URL, then the standard OTLP variables, then config.yaml.
  const urlFromEnv = tracingEnv('TRACING_COLLECTOR_URL');
  const urlFromFile = tracingFile('TRACING_COLLECTOR_URL');
  const otlpTracesEndpoint = c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const otlpBase = c.OTEL_EXPORTER_OTLP_ENDPOINT;
  // Without an explicit exporter, a collector URL ending in /api/traces (Jaeger's thrift
  // endpoint, http://jaeger:14268/api/traces) selects the Jaeger exporter by itself, so a
  // configuration written for Jaeger's native protocol works unchanged; one ending in :4317
  // selects OTLP over gRPC.
  const candidateUrl = urlFromEnv ?? (otlpTracesEndpoint || otlpBase ? undefined : urlFromFile);
  const exporter: ExporterKind =
    tracingEnv('TRACING_EXPORTER') ??
    c.OTEL_TRACES_EXPORTER ??
    tracingFile('TRACING_EXPORTER') ??
    (candidateUrl && /\/api\/traces\/?$/.test(candidateUrl) ? 'jaeger' : 'otlp');
  const otlpProtocol: OtlpProtocol =
    tracingEnv('TRACING_OTLP_PROTOCOL') ??
    c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    c.OTEL_EXPORTER_OTLP_PROTOCOL ??
    tracingFile('TRACING_OTLP_PROTOCOL') ??
    (candidateUrl && /:4317\/?$/.test(candidateUrl) ? 'grpc' : 'http/protobuf');

  let endpoint: string;
  if (exporter === 'jaeger') {
    endpoint = urlFromEnv ?? urlFromFile ?? DEFAULT_ENDPOINTS.jaeger;
  } else if (urlFromEnv) {
    endpoint = urlFromEnv;
  } else if (otlpTracesEndpoint) {
    endpoint = otlpTracesEndpoint;
  } else if (otlpBase) {
    endpoint = otlpProtocol === 'grpc' ? otlpBase : `${otlpBase.replace(/\/$/, '')}/v1/traces`;
  } else {
    endpoint = urlFromFile ?? DEFAULT_ENDPOINTS[`otlp/${otlpProtocol}`];
  }

  // TRACING_SAMPLING_RATE (parent-based), else OTEL_TRACES_SAMPLER (with its argument), else config.yaml's rate.
  let samplingRate = 1;
  let parentBased = true;
  const rateFromEnv = tracingEnv('TRACING_SAMPLING_RATE');
  if (rateFromEnv !== undefined) {
    samplingRate = rateFromEnv;
  } else if (c.OTEL_TRACES_SAMPLER !== undefined) {
    const [rate, parent] = SAMPLERS[c.OTEL_TRACES_SAMPLER];
    [samplingRate, parentBased] = [rate ?? c.OTEL_TRACES_SAMPLER_ARG ?? 1, parent];
  } else {
    samplingRate = tracingFile('TRACING_SAMPLING_RATE') ?? 1;
  }

  const batch = {
    maxQueueSize: c.OTEL_BSP_MAX_QUEUE_SIZE,
    maxExportBatchSize: c.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    scheduledDelayMillis: c.OTEL_BSP_SCHEDULE_DELAY,
    exportTimeoutMillis: c.OTEL_BSP_EXPORT_TIMEOUT,
  };
  return { enabled, serviceName, serviceInstanceId, instrumentation: c.TRACING_INSTRUMENTATION, exporter, otlpProtocol, endpoint, samplingRate, parentBased, batch };
}
