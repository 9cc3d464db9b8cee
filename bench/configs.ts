/** The configurations a benchmark run can compare, in report order. */
export const CONFIG_NAMES = ['off', 'on-1.0', 'on-0.1', 'on-1.0-jaeger-down', 'ceiling', 'bare'] as const;

/** One configuration's name. */
export type ConfigName = (typeof CONFIG_NAMES)[number];

/** The configurations a run uses unless --configs says otherwise (`bare` is opt-in). */
export const DEFAULT_CONFIGS: readonly ConfigName[] = ['off', 'on-1.0', 'on-0.1', 'on-1.0-jaeger-down', 'ceiling'];

/** Where a configuration's spans go, once the harness knows its ports. */
export interface TracingTargets {
  /** OTLP/HTTP traces URL of the Jaeger the harness started. */
  jaegerOtlpUrl?: string;
  /** An OTLP/HTTP URL on a loopback port nothing listens on. */
  closedOtlpUrl: string;
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
  /** One line for the report. */
  description: string;
  /** Tracing environment of the stack's three processes. */
  tracingEnv(targets: TracingTargets): Record<string, string>;
}

// OTLP over HTTP (protobuf) to the given URL, sampling `rate` of new traces.
const exportingTo = (url: string, rate: string): Record<string, string> => ({
  TRACING_ENABLED: 'true',
  TRACING_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  TRACING_COLLECTOR_URL: url,
  TRACING_SAMPLING_RATE: rate,
});

const jaegerUrl = (targets: TracingTargets) => {
  if (!targets.jaegerOtlpUrl) throw new Error('this configuration needs the harness Jaeger');
  return targets.jaegerOtlpUrl;
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
    description: 'tracing on, sampling 1.0, OTLP/HTTP to a running Jaeger (in memory)',
    tracingEnv: (t) => exportingTo(jaegerUrl(t), '1.0'),
  },
  'on-0.1': {
    name: 'on-0.1',
    kind: 'stack',
    needsJaeger: true,
    description: 'tracing on, sampling 0.1, same Jaeger',
    tracingEnv: (t) => exportingTo(jaegerUrl(t), '0.1'),
  },
  'on-1.0-jaeger-down': {
    name: 'on-1.0-jaeger-down',
    kind: 'stack',
    needsJaeger: false,
    description: 'tracing on, sampling 1.0, exporting to a closed port (Jaeger down all run): RSS and errors',
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
  'OTEL_SERVICE_NAME',
  'TRACING_ENABLED',
  'TRACING_EXPORTER',
  'TRACING_COLLECTOR_URL',
  'TRACING_SAMPLING_RATE',
  'TRACING_SERVICE_NAME',
  'LOG_LEVEL',
  'NODE_ENV',
];
