/** The configurations a benchmark run can compare, in report order (bench/README.md says what each is for). */
export const CONFIG_NAMES = [
  'off',
  'on-1.0',
  'on-1.0-sink',
  'on-1.0-sink-2x2',
  'on-0.1-sink',
  'on-0-sink',
  'auto-1.0-sink',
  'bare',
  'off-pg',
  'on-1.0-sink-pg',
] as const;

/** One configuration's name. */
export type ConfigName = (typeof CONFIG_NAMES)[number];

/** What a run compares unless --configs says otherwise: the headline, tracing at 1.0 and 0.1 against off. */
export const DEFAULT_CONFIGS: readonly ConfigName[] = ['off', 'on-1.0-sink', 'on-0.1-sink'];

/** Where a configuration's spans go, once the harness knows its ports. */
export interface TracingTargets {
  /** OTLP/HTTP traces URL of the Jaeger the harness started. */
  jaegerOtlpUrl?: string;
  /** OTLP/HTTP traces URL of the discard sink the harness started (bench/otlp-sink.ts). */
  sinkOtlpUrl?: string;
  /** URL of the harness's throwaway PostgreSQL cluster (scripts/postgres.sh), for `-pg` configurations. */
  postgresUrl?: string;
}

/** What a configuration runs and how its processes are traced. */
export interface ConfigSpec {
  name: ConfigName;
  /**
   * false: start the stack without the tracing preload at all (`node dist/<folder>/main.js`), to
   * show what `off` (preload loaded, nothing patched, trace context carried by hand) itself costs.
   */
  preload?: boolean;
  /** Needs the harness's Jaeger running. */
  needsJaeger?: boolean;
  /** Needs the harness's discard OTLP sink running. */
  needsSink?: boolean;
  /** The services' database: SQLite files (the default) or fresh databases in the harness's PostgreSQL cluster. */
  database?: 'sqlite' | 'postgres';
  /** Instances of each of auth and user (default 1); the gateway is always one process. */
  replicas?: number;
  /** One line for the report. */
  description: string;
  /** Tracing environment of the stack's three processes. */
  tracingEnv(targets: TracingTargets): Record<string, string>;
}

// Tracing on, OTLP over HTTP (protobuf) to the given URL, sampling `rate` of new traces. The
// instrumentation is set even where it is the default, so a configuration keeps its meaning if
// the default changes (and the report's env records it).
const exportingTo = (url: string, rate: string, instrumentation: 'lean' | 'auto' = 'lean'): Record<string, string> => ({
  TRACING_ENABLED: 'true',
  TRACING_INSTRUMENTATION: instrumentation,
  TRACING_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  TRACING_COLLECTOR_URL: url,
  TRACING_SAMPLING_RATE: rate,
});

const jaegerUrl = (targets: TracingTargets) => {
  if (!targets.jaegerOtlpUrl) throw new Error('this configuration needs the harness Jaeger');
  return targets.jaegerOtlpUrl;
};

const sinkUrl = (targets: TracingTargets) => {
  if (!targets.sinkOtlpUrl) throw new Error('this configuration needs the harness OTLP sink');
  return targets.sinkOtlpUrl;
};

/** Every configuration by name. */
export const CONFIGS: Record<ConfigName, ConfigSpec> = {
  off: {
    name: 'off',
    description: 'TRACING_ENABLED=false (nothing patched, trace context carried by hand): the baseline',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'on-1.0': {
    name: 'on-1.0',
    needsJaeger: true,
    description: 'lean spans + lean OTLP/HTTP export, sampling 1.0, to a running Jaeger (in memory, on the same cores)',
    tracingEnv: (t) => exportingTo(jaegerUrl(t), '1.0'),
  },
  'on-1.0-sink': {
    name: 'on-1.0-sink',
    needsSink: true,
    description: 'lean spans + lean OTLP/HTTP export, sampling 1.0, to the discard sink (bench/otlp-sink.ts): the target configuration',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0'),
  },
  'on-1.0-sink-2x2': {
    name: 'on-1.0-sink-2x2',
    needsSink: true,
    replicas: 2,
    description: 'opt-in: on-1.0-sink with 2 auth + 2 user instances (callers balance with round_robin): what replicas change on these cores; a role\'s CPU sums its instances',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0'),
  },
  'on-0.1-sink': {
    name: 'on-0.1-sink',
    needsSink: true,
    description: 'lean, sampling 0.1, to the discard sink',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '0.1'),
  },
  'on-0-sink': {
    name: 'on-0-sink',
    needsSink: true,
    description: 'opt-in: lean, sampling 0, to the discard sink: tracing enabled and nothing recorded, what every request pays whether sampled or not',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '0'),
  },
  'auto-1.0-sink': {
    name: 'auto-1.0-sink',
    needsSink: true,
    description: 'TRACING_INSTRUMENTATION=auto (stock http/express/grpc/pino instrumentations), lean export, sampling 1.0, to the sink: what auto-instrumentation costs',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0', 'auto'),
  },
  bare: {
    name: 'bare',
    preload: false,
    description: 'opt-in: the stack without the telemetry preload (no OpenTelemetry at all): what `off` itself costs',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'off-pg': {
    name: 'off-pg',
    database: 'postgres',
    description: 'opt-in: tracing off, both services on PostgreSQL (a throwaway local cluster, scripts/postgres.sh): SQLite against PostgreSQL',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'on-1.0-sink-pg': {
    name: 'on-1.0-sink-pg',
    needsSink: true,
    database: 'postgres',
    description: 'opt-in: lean, sampling 1.0, to the discard sink, both services on PostgreSQL',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0'),
  },
};

/**
 * Inherited variables that would change what a configuration means (a shell with
 * OTEL_SDK_DISABLED=true would silently turn "on" into "off"); they are removed from the
 * processes' environment. OTEL_BSP_* pass through on purpose, so span processor settings can be
 * tried without editing code (the report records them).
 */
export const SCRUBBED_ENV = [
  'CONFIG_FILE',
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  // An exporter that honours these gzips its requests: not what a configuration measures.
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  'OTEL_SERVICE_NAME',
  'TRACING_ENABLED',
  'TRACING_EXPORTER',
  'TRACING_COLLECTOR_URL',
  'TRACING_SAMPLING_RATE',
  'TRACING_SERVICE_NAME',
  'TRACING_INSTRUMENTATION',
  'LOG_LEVEL',
  'NODE_ENV',
];
