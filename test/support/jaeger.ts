import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { flattenTrace, type StoredSpan } from '../../scripts/trace/otlp-trace';
import { jaegerBinary } from '../../scripts/stack/go-tools';
import { freeJaegerPorts, jaegerArgs, jaegerEnv, jaegerUrls, waitForJaegerHealth } from '../../scripts/stack/jaeger-process';

export { flattenTrace, KIND, STATUS, type StoredSpan } from '../../scripts/trace/otlp-trace';

/** A Jaeger v2 process on free loopback ports with in-memory storage, for tests. */
export interface TestJaeger {
  queryUrl: string;
  /** OTLP/HTTP traces URL (`.../v1/traces`). */
  otlpHttpUrl: string;
  otlpGrpcUrl: string;
  /** Jaeger thrift over HTTP (`.../api/traces`). */
  thriftUrl: string;
  /** Environment that points a process's tracing at this Jaeger with the given exporter. */
  envFor(exporter: 'otlp' | 'otlp-grpc' | 'jaeger'): NodeJS.ProcessEnv;
  /** The trace's spans; waits until `ready(spans)` holds or `timeoutMs` passes (returns what is there). */
  getTrace(traceId: string, ready?: (spans: StoredSpan[]) => boolean, timeoutMs?: number): Promise<StoredSpan[]>;
  stop(): Promise<void>;
  /** Starts it again on the same ports (storage starts empty). */
  start(): Promise<void>;
}

// Jaegers still running, so a run that ends without their stop (a failed root hook skips the root
// hooks after it) does not leave one behind.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts Jaeger (built by scripts/tools.sh) with scripts/jaeger/config.yaml on free ports. */
export async function startJaeger(): Promise<TestJaeger> {
  if (!fs.existsSync(jaegerBinary)) throw new Error(`${jaegerBinary} is missing: run \`npm run tools\` first`);
  const ports = await freeJaegerPorts();
  const { queryUrl, otlpHttpUrl, otlpGrpcUrl, thriftUrl } = jaegerUrls(ports);
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const c = spawn(jaegerBinary, jaegerArgs, { env: { ...process.env, ...jaegerEnv(ports) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    live.add(c);
    c.once('exit', () => live.delete(c));
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitForJaegerHealth(ports, () => c.exitCode === null, () => output.slice(-2000), 20_000);
  };

  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      c.kill('SIGTERM');
    });
  };

  await start();

  return {
    queryUrl,
    otlpHttpUrl,
    otlpGrpcUrl,
    thriftUrl,
    envFor: (exporter) =>
      exporter === 'jaeger'
        ? { TRACING_EXPORTER: 'jaeger', TRACING_COLLECTOR_URL: thriftUrl }
        : exporter === 'otlp-grpc'
          ? { TRACING_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', TRACING_COLLECTOR_URL: otlpGrpcUrl }
          : { TRACING_EXPORTER: 'otlp', TRACING_COLLECTOR_URL: otlpHttpUrl },
    async getTrace(traceId, ready = (s) => s.length > 0, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let spans: StoredSpan[] = [];
      for (;;) {
        const res = await fetch(`${queryUrl}/api/v3/traces/${traceId}`);
        spans = res.ok ? flattenTrace(await res.json()) : [];
        if (ready(spans) || Date.now() > deadline) return spans;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop,
    start,
  };
}
