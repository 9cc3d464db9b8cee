import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freeJaegerPorts, jaegerArgs, jaegerBinary, jaegerEnv, jaegerUrls, waitForJaegerHealth } from '../../scripts/stack/jaeger-process';

/** One span as read back from Jaeger's /api/v3 (OTLP JSON), flattened. */
export interface StoredSpan {
  service: string;
  /** The resource's `service.instance.id`: which instance of the service made the span. */
  instance?: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** OTLP kind: 1 internal, 2 server, 3 client. */
  kind: number;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
  statusMessage?: string;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

/** OTLP kinds and status codes as Jaeger's JSON reports them. */
export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attrs = (list: OtlpAttribute[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const KIND_NAMES: Record<string, number> = { SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5 };

/** Flattens an /api/v3 OTLP JSON trace document into spans. */
export function flattenTrace(doc: unknown): StoredSpan[] {
  const out: StoredSpan[] = [];
  const resourceSpans = (doc as { result?: { resourceSpans?: unknown[] } }).result?.resourceSpans ?? [];
  for (const rs of resourceSpans as Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: unknown[] }> }>) {
    const resource = attrs(rs.resource?.attributes);
    const service = String(resource['service.name'] ?? '');
    const instance = resource['service.instance.id'] === undefined ? undefined : String(resource['service.instance.id']);
    for (const ss of rs.scopeSpans ?? []) {
      for (const raw of (ss.spans ?? []) as Array<Record<string, unknown>>) {
        const status = (raw.status ?? {}) as { code?: number | string; message?: string };
        const kind = raw.kind as number | string | undefined;
        out.push({
          service,
          instance,
          name: String(raw.name),
          traceId: String(raw.traceId),
          spanId: String(raw.spanId),
          parentSpanId: raw.parentSpanId ? String(raw.parentSpanId) : undefined,
          kind: typeof kind === 'string' ? (KIND_NAMES[kind] ?? 0) : (kind ?? 0),
          status: typeof status.code === 'string' ? (STATUS_NAMES[status.code] ?? 0) : (status.code ?? 0),
          statusMessage: status.message,
          attributes: attrs(raw.attributes as OtlpAttribute[]),
          events: ((raw.events ?? []) as Array<{ name: string; attributes?: OtlpAttribute[] }>).map((e) => ({
            name: e.name,
            attributes: attrs(e.attributes),
          })),
        });
      }
    }
  }
  return out;
}

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
