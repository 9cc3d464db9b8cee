/** The configurations a benchmark run can compare, in report order. */
export const CONFIG_NAMES = [
  'off',
  'on-1.0',
  'on-1.0-sink',
  'on-1.0-sink-2x2',
  'on-1.0-sink-bigbatch',
  'on-0.1',
  'on-0.1-sink',
  'on-0-sink',
  'off-small-heap',
  'on-1.0-sink-small-heap',
  'auto-1.0-sink',
  'stock-1.0-sink',
  'lean-stockbsp-1.0-sink',
  'on-1.0-noexport',
  'on-1.0-jaeger-down',
  'ceiling',
  'bare',
  'off-pg',
  'on-1.0-sink-pg',
] as const;

/** One configuration's name. */
export type ConfigName = (typeof CONFIG_NAMES)[number];

/**
 * The configurations a run uses unless --configs says otherwise. Opt-in: `bare`, the ones
 * that isolate one lever (`stock-1.0-sink`, `lean-stockbsp-1.0-sink`, `on-1.0-noexport`), and
 * `on-1.0-sink-2x2` (replicas).
 */
export const DEFAULT_CONFIGS: readonly ConfigName[] = [
  'off',
  'on-1.0',
  'on-1.0-sink',
  'on-0.1',
  'on-0.1-sink',
  'auto-1.0-sink',
  'on-1.0-jaeger-down',
  'ceiling',
];

/** Where a configuration's spans go, once the harness knows its ports. */
export interface TracingTargets {
  /** OTLP/HTTP traces URL of the Jaeger the harness started. */
  jaegerOtlpUrl?: string;
  /** OTLP/HTTP traces URL of the discard sink the harness started (bench/otlp-sink.ts). */
  sinkOtlpUrl?: string;
  /** An OTLP/HTTP URL on a loopback port nothing listens on. */
  closedOtlpUrl: string;
  /** URL of the harness's throwaway PostgreSQL cluster (scripts/postgres.sh), for `-pg` configurations. */
  postgresUrl?: string;
}

/** What a configuration runs and how its processes are traced. */
export interface ConfigSpec {
  name: ConfigName;
  /** `stack`: gateway + user + auth; `echo`: the bare grpc-js echo server (ceiling). */
  kind: 'stack' | 'echo';
  /**
   * false: start the stack without the tracing preload at all (`node dist/<folder>/main.js`), to
   * show what `off` (preload loaded, nothing patched, trace context carried by hand) itself costs.
   */
  preload?: boolean;
  /** Needs the harness's Jaeger running. */
  needsJaeger: boolean;
  /** Needs the harness's discard OTLP sink running. */
  needsSink?: boolean;
  /** The services' database: SQLite files (the default) or fresh databases in the harness's PostgreSQL cluster. */
  database?: 'sqlite' | 'postgres';
  /** Instances of each of auth and user (default 1); the gateway is always one process. */
  replicas?: number;
  /** V8 heap flags instead of the services' own (scripts/stack/process-spec.ts NODE_HEAP_FLAGS). */
  heapFlags?: readonly string[];
  /** One line for the report. */
  description: string;
  /** Tracing environment of the stack's three processes. */
  tracingEnv(targets: TracingTargets): Record<string, string>;
}

/** How spans are made (TRACING_INSTRUMENTATION) and exported (TRACING_OTLP_PIPELINE). */
interface Mode {
  instrumentation: 'lean' | 'auto';
  pipeline: 'lean' | 'stock';
}

const LEAN: Mode = { instrumentation: 'lean', pipeline: 'lean' };

// Tracing on, OTLP over HTTP (protobuf) to the given URL, sampling `rate` of new traces. The
// modes are set even where they are the defaults, so a configuration keeps its meaning if the
// defaults change (and the report's env records it).
const exportingTo = (url: string, rate: string, mode: Mode = LEAN): Record<string, string> => ({
  TRACING_ENABLED: 'true',
  TRACING_INSTRUMENTATION: mode.instrumentation,
  TRACING_OTLP_PIPELINE: mode.pipeline,
  TRACING_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  TRACING_COLLECTOR_URL: url,
  TRACING_SAMPLING_RATE: rate,
});

// Heap flags that keep a busy service under 200 MB RSS: after a full GC V8 lets the old
// generation grow to 1.5 times what is live, not up to 4 times (its rule for a heap limit sized
// from this host's 24 GiB). Measured at ~11% more CPU a request (bench/README.md).
const SMALL_HEAP: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=50'];

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
    kind: 'stack',
    needsJaeger: false,
    description: 'TRACING_ENABLED=false (nothing patched, trace context carried by hand): the baseline',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'on-1.0': {
    name: 'on-1.0',
    kind: 'stack',
    needsJaeger: true,
    description: 'lean spans + lean OTLP/HTTP export, sampling 1.0, to a running Jaeger (in memory, on the same cores)',
    tracingEnv: (t) => exportingTo(jaegerUrl(t), '1.0'),
  },
  'on-1.0-sink': {
    name: 'on-1.0-sink',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'lean spans + lean OTLP/HTTP export, sampling 1.0, to the discard sink (bench/otlp-sink.ts): the target configuration',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0'),
  },
  'on-1.0-sink-bigbatch': {
    name: 'on-1.0-sink-bigbatch',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'on-1.0-sink with batches of 4096 spans every 5 s at most (OTEL_BSP_*): what the number of POSTs costs',
    tracingEnv: (t) => ({
      ...exportingTo(sinkUrl(t), '1.0'),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
      OTEL_BSP_MAX_QUEUE_SIZE: '16384',
      OTEL_BSP_SCHEDULE_DELAY: '5000',
    }),
  },
  'on-1.0-sink-2x2': {
    name: 'on-1.0-sink-2x2',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    replicas: 2,
    description: 'opt-in: on-1.0-sink with 2 auth + 2 user instances (callers balance with round_robin): what replicas change on these cores; a role\'s CPU sums its instances',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0'),
  },
  'on-0.1': {
    name: 'on-0.1',
    kind: 'stack',
    needsJaeger: true,
    description: 'lean, sampling 0.1, same Jaeger',
    tracingEnv: (t) => exportingTo(jaegerUrl(t), '0.1'),
  },
  'on-0.1-sink': {
    name: 'on-0.1-sink',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'lean, sampling 0.1, to the discard sink',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '0.1'),
  },
  'on-0-sink': {
    name: 'on-0-sink',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'opt-in: lean, sampling 0, to the discard sink: tracing enabled and nothing recorded, what every request pays whether sampled or not',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '0'),
  },
  'off-small-heap': {
    name: 'off-small-heap',
    kind: 'stack',
    needsJaeger: false,
    heapFlags: SMALL_HEAP,
    description: 'opt-in: off with --heap-growing-percent=50 (the old generation grows to 1.5x what is live): what peak RSS under 200 MB costs in CPU',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'on-1.0-sink-small-heap': {
    name: 'on-1.0-sink-small-heap',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    heapFlags: SMALL_HEAP,
    description: 'opt-in: on-1.0-sink with the heap flags of off-small-heap',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0'),
  },
  'auto-1.0-sink': {
    name: 'auto-1.0-sink',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'TRACING_INSTRUMENTATION=auto (stock http/express/grpc/pino instrumentations), lean export, sampling 1.0, to the sink: what auto-instrumentation costs',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0', { instrumentation: 'auto', pipeline: 'lean' }),
  },
  'stock-1.0-sink': {
    name: 'stock-1.0-sink',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'opt-in: auto instrumentation + TRACING_OTLP_PIPELINE=stock (BatchSpanProcessor + OTLPTraceExporter), sampling 1.0, to the sink: the stock setup from before',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0', { instrumentation: 'auto', pipeline: 'stock' }),
  },
  'lean-stockbsp-1.0-sink': {
    name: 'lean-stockbsp-1.0-sink',
    kind: 'stack',
    needsJaeger: false,
    needsSink: true,
    description: 'opt-in: lean spans, stock export pipeline (BatchSpanProcessor + OTLPTraceExporter), sampling 1.0, to the sink: the export-pipeline lever alone',
    tracingEnv: (t) => exportingTo(sinkUrl(t), '1.0', { instrumentation: 'lean', pipeline: 'stock' }),
  },
  'on-1.0-noexport': {
    name: 'on-1.0-noexport',
    kind: 'stack',
    needsJaeger: false,
    description: 'opt-in: lean spans, sampling 1.0, TRACING_EXPORTER=none: spans made and ended, never exported: what making spans costs alone',
    tracingEnv: () => ({
      TRACING_ENABLED: 'true',
      TRACING_INSTRUMENTATION: 'lean',
      TRACING_OTLP_PIPELINE: 'lean',
      TRACING_EXPORTER: 'none',
      TRACING_SAMPLING_RATE: '1.0',
    }),
  },
  'on-1.0-jaeger-down': {
    name: 'on-1.0-jaeger-down',
    kind: 'stack',
    needsJaeger: false,
    description: 'lean, sampling 1.0, exporting to a closed port (Jaeger down all run): RSS and errors',
    tracingEnv: (t) => exportingTo(t.closedOtlpUrl, '1.0'),
  },
  ceiling: {
    name: 'ceiling',
    kind: 'echo',
    needsJaeger: false,
    description: 'bare grpc-js unary echo server (bench/echo-server.ts), no tracing: what Node gRPC can do here',
    tracingEnv: () => ({}),
  },
  bare: {
    name: 'bare',
    kind: 'stack',
    preload: false,
    needsJaeger: false,
    description: 'opt-in: the stack without the telemetry preload (no OpenTelemetry at all): what `off` itself costs',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'off-pg': {
    name: 'off-pg',
    kind: 'stack',
    needsJaeger: false,
    database: 'postgres',
    description: 'opt-in: tracing off, both services on PostgreSQL (a throwaway local cluster, scripts/postgres.sh): SQLite against PostgreSQL',
    tracingEnv: () => ({ TRACING_ENABLED: 'false' }),
  },
  'on-1.0-sink-pg': {
    name: 'on-1.0-sink-pg',
    kind: 'stack',
    needsJaeger: false,
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
  // The stock OTLPTraceExporter would gzip its requests (the lean one never does).
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  'OTEL_SERVICE_NAME',
  'TRACING_ENABLED',
  'TRACING_EXPORTER',
  'TRACING_COLLECTOR_URL',
  'TRACING_SAMPLING_RATE',
  'TRACING_SERVICE_NAME',
  'TRACING_INSTRUMENTATION',
  'TRACING_OTLP_PIPELINE',
  'LOG_LEVEL',
  'NODE_ENV',
];
