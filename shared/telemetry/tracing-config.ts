import { ConfigError } from '../config/load-config';
import { resolveServiceInstanceId } from './instance-id';

/** Where spans go. */
export type ExporterKind = 'otlp' | 'jaeger' | 'console' | 'none';

/**
 * How spans are made. `lean`: by the project's own code at the few places every request passes
 * (HTTP server, tRPC, gRPC client and server, operation, DB), no monkey-patching. `auto`: the
 * stock http, express, grpc and pino instrumentations make the HTTP and gRPC spans, for users who
 * add libraries only auto-instrumentation covers. Both give the same trace.
 */
export type InstrumentationMode = 'lean' | 'auto';

/** OTLP transport: protobuf over HTTP (port 4318) or gRPC (port 4317). */
export type OtlpProtocol = 'http/protobuf' | 'grpc';

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

const EXPORTERS: readonly ExporterKind[] = ['otlp', 'jaeger', 'console', 'none'];
const DEFAULT_ENDPOINTS = {
  'otlp/http/protobuf': 'http://localhost:4318/v1/traces',
  'otlp/grpc': 'http://localhost:4317',
  jaeger: 'http://localhost:14268/api/traces',
} as const;

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

function parseBool(key: string, value: string): boolean {
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw new ConfigError(`invalid configuration:\n  ${key}: must be true or false, got "${value}"`);
}

function parseRatio(key: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new ConfigError(`invalid configuration:\n  ${key}: must be a number from 0 to 1, got "${value}"`);
  }
  return n;
}

function parsePositive(key: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`invalid configuration:\n  ${key}: must be a positive whole number, got "${value}"`);
  }
  return n;
}

function parseExporter(key: string, value: string): ExporterKind {
  const v = value.toLowerCase();
  if (!(EXPORTERS as readonly string[]).includes(v)) {
    throw new ConfigError(`invalid configuration:\n  ${key}: must be one of ${EXPORTERS.join(', ')}, got "${value}"`);
  }
  return v as ExporterKind;
}

function parseInstrumentation(key: string, value: string): InstrumentationMode {
  const v = value.toLowerCase();
  if (v === 'lean' || v === 'auto') return v;
  throw new ConfigError(`invalid configuration:\n  ${key}: must be lean or auto, got "${value}"`);
}

function parseProtocol(key: string, value: string): OtlpProtocol {
  if (value === 'grpc' || value === 'http/protobuf') return value;
  throw new ConfigError(`invalid configuration:\n  ${key}: must be grpc or http/protobuf, got "${value}"`);
}

/** The first defined value among `[key, value]` pairs, with the key it came from. */
function first(...pairs: Array<[string, string | undefined]>): [string, string] | undefined {
  for (const [key, value] of pairs) {
    const v = nonEmpty(value);
    if (v !== undefined) return [key, v];
  }
  return undefined;
}

/**
 * Resolves tracing settings. Precedence, highest first:
 * `OTEL_SDK_DISABLED=true` (always disables) > `TRACING_*` environment > standard `OTEL_*`
 * environment > the `tracing:` section of config.yaml > built-in defaults.
 * Invalid values throw a ConfigError naming the key.
 */
export function resolveTracingConfig({ env, file, defaultServiceName }: TracingConfigSources): TracingConfig {
  const yamlKey = (k: string) => `tracing.${k} (config.yaml)`;

  const enabledFrom = first(['TRACING_ENABLED', env.TRACING_ENABLED], [yamlKey('enabled'), file.TRACING_ENABLED]);
  const sdkDisabled = nonEmpty(env.OTEL_SDK_DISABLED);
  const enabled =
    !(sdkDisabled !== undefined && parseBool('OTEL_SDK_DISABLED', sdkDisabled)) &&
    (enabledFrom ? parseBool(...enabledFrom) : true);

  const serviceName =
    first(
      ['TRACING_SERVICE_NAME', env.TRACING_SERVICE_NAME],
      ['OTEL_SERVICE_NAME', env.OTEL_SERVICE_NAME],
      [yamlKey('service_name'), file.TRACING_SERVICE_NAME],
    )?.[1] ?? defaultServiceName;

  const serviceInstanceId = resolveServiceInstanceId(env, file);

  const instrumentationFrom = first(
    ['TRACING_INSTRUMENTATION', env.TRACING_INSTRUMENTATION],
    [yamlKey('instrumentation'), file.TRACING_INSTRUMENTATION],
  );
  const instrumentation = instrumentationFrom ? parseInstrumentation(...instrumentationFrom) : 'lean';

  const protocolFrom = first(
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_PROTOCOL],
    [yamlKey('otlp_protocol'), file.TRACING_OTLP_PROTOCOL],
  );

  // The collector URL: TRACING_COLLECTOR_URL, then the standard OTLP variables, then config.yaml.
  const otlpTracesEndpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const otlpBase = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const urlFromEnv = nonEmpty(env.TRACING_COLLECTOR_URL);
  const urlFromFile = nonEmpty(file.TRACING_COLLECTOR_URL);

  const exporterFrom = first(
    ['TRACING_EXPORTER', env.TRACING_EXPORTER],
    ['OTEL_TRACES_EXPORTER', env.OTEL_TRACES_EXPORTER],
    [yamlKey('exporter'), file.TRACING_EXPORTER],
  );
  // Without an explicit exporter, a collector URL ending in /api/traces (Jaeger's thrift
  // endpoint, http://jaeger:14268/api/traces) selects the Jaeger exporter, so a configuration
  // written for Jaeger's native protocol works unchanged.
  const candidateUrl = urlFromEnv ?? (otlpTracesEndpoint || otlpBase ? undefined : urlFromFile);
  const exporter: ExporterKind = exporterFrom
    ? parseExporter(...exporterFrom)
    : candidateUrl && /\/api\/traces\/?$/.test(candidateUrl)
      ? 'jaeger'
      : 'otlp';

  const otlpProtocol: OtlpProtocol = protocolFrom
    ? parseProtocol(...protocolFrom)
    : candidateUrl && /:4317\/?$/.test(candidateUrl)
      ? 'grpc'
      : 'http/protobuf';

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
  if (exporter === 'otlp' || exporter === 'jaeger') {
    try {
      new URL(endpoint);
    } catch {
      throw new ConfigError(`invalid configuration:\n  TRACING_COLLECTOR_URL: not a URL: "${endpoint}"`);
    }
  }

  let samplingRate = 1;
  let parentBased = true;
  const rateFromEnv = nonEmpty(env.TRACING_SAMPLING_RATE);
  const sampler = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase();
  if (rateFromEnv !== undefined) {
    samplingRate = parseRatio('TRACING_SAMPLING_RATE', rateFromEnv);
  } else if (sampler !== undefined) {
    const arg = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
    const ratio = arg === undefined ? 1 : parseRatio('OTEL_TRACES_SAMPLER_ARG', arg);
    const table: Record<string, [number, boolean]> = {
      always_on: [1, false],
      always_off: [0, false],
      traceidratio: [ratio, false],
      parentbased_always_on: [1, true],
      parentbased_always_off: [0, true],
      parentbased_traceidratio: [ratio, true],
    };
    const row = table[sampler];
    if (!row) {
      throw new ConfigError(
        `invalid configuration:\n  OTEL_TRACES_SAMPLER: must be one of ${Object.keys(table).join(', ')}, got "${sampler}"`,
      );
    }
    [samplingRate, parentBased] = row;
  } else if (nonEmpty(file.TRACING_SAMPLING_RATE) !== undefined) {
    samplingRate = parseRatio(yamlKey('sampling_rate'), file.TRACING_SAMPLING_RATE!);
  }

  const batch = {
    maxQueueSize: parsePositive('OTEL_BSP_MAX_QUEUE_SIZE', nonEmpty(env.OTEL_BSP_MAX_QUEUE_SIZE), 2048),
    maxExportBatchSize: parsePositive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', nonEmpty(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE), 512),
    scheduledDelayMillis: parsePositive('OTEL_BSP_SCHEDULE_DELAY', nonEmpty(env.OTEL_BSP_SCHEDULE_DELAY), 1000),
    exportTimeoutMillis: parsePositive('OTEL_BSP_EXPORT_TIMEOUT', nonEmpty(env.OTEL_BSP_EXPORT_TIMEOUT), 10000),
  };
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    throw new ConfigError('invalid configuration:\n  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE');
  }

  return { enabled, serviceName, serviceInstanceId, instrumentation, exporter, otlpProtocol, endpoint, samplingRate, parentBased, batch };
}
