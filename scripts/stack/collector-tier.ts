import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';
import { jaegerBinary } from './go-tools';
import { waitForHealthUrl } from './jaeger-process';
import { freePorts, spawnCommand, stop, type LaunchedProcess, type OutputStream } from './launch';

/** deploy/jaeger-collector.yaml: OTLP in, tail sampling, RED metrics, OTLP out to the query tier. */
export const collectorConfig = path.join(projectRoot, 'deploy', 'jaeger-collector.yaml');
/** deploy/jaeger-query.yaml: OTLP in from the collector, Badger storage, query API and UI. */
export const queryConfig = path.join(projectRoot, 'deploy', 'jaeger-query.yaml');

/** The ports of both tiers (the variables the two configs read). */
export interface CollectorTierPorts {
  COLLECTOR_OTLP_GRPC_PORT: number;
  COLLECTOR_OTLP_HTTP_PORT: number;
  COLLECTOR_METRICS_PORT: number;
  COLLECTOR_HEALTH_PORT: number;
  QUERY_OTLP_GRPC_PORT: number;
  JAEGER_QUERY_PORT: number;
  JAEGER_QUERY_GRPC_PORT: number;
  QUERY_HEALTH_PORT: number;
}

/** The defaults the configs use: the collector where the services already send (4317/4318). */
export const DEFAULT_COLLECTOR_TIER_PORTS: CollectorTierPorts = {
  COLLECTOR_OTLP_GRPC_PORT: 4317,
  COLLECTOR_OTLP_HTTP_PORT: 4318,
  COLLECTOR_METRICS_PORT: 8889,
  COLLECTOR_HEALTH_PORT: 13134,
  QUERY_OTLP_GRPC_PORT: 4417,
  JAEGER_QUERY_PORT: 16686,
  JAEGER_QUERY_GRPC_PORT: 16685,
  QUERY_HEALTH_PORT: 13133,
};

/** The defaults, each overridden by the environment variable of its name (as the configs read them). */
export function collectorTierPortsFrom(env: NodeJS.ProcessEnv): CollectorTierPorts {
  const ports = { ...DEFAULT_COLLECTOR_TIER_PORTS };
  for (const key of Object.keys(ports) as Array<keyof CollectorTierPorts>) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`${key}: must be a port number, got "${value}"`);
    ports[key] = Number(value);
  }
  return ports;
}

/** Free loopback ports for a tier beside anything else running (tests). */
export async function freeCollectorTierPorts(): Promise<CollectorTierPorts> {
  const keys = Object.keys(DEFAULT_COLLECTOR_TIER_PORTS) as Array<keyof CollectorTierPorts>;
  const picked = await freePorts(keys.length);
  const ports = {} as CollectorTierPorts;
  keys.forEach((key, i) => (ports[key] = picked[i]!));
  return ports;
}

/** Options of {@link startCollectorTier}. */
export interface CollectorTierOptions {
  ports?: CollectorTierPorts;
  /** Badger's folder (kept across restarts; default .data/jaeger-badger). */
  badgerDir?: string;
  /** The collector's sampling knobs (COLLECTOR_KEEP_PERCENT, COLLECTOR_SLOW_MS, COLLECTOR_DECISION_WAIT). */
  sampling?: { keepPercent?: number; slowMs?: number; decisionWait?: string };
  /** Every output line of either process. */
  onLine?: (process: 'collector' | 'query', line: string, stream: OutputStream) => void;
}

/** Two running Jaegers: the collector tier and the storage/query tier behind it. */
export interface CollectorTier {
  /** OTLP/HTTP traces URL the services export to (`.../v1/traces`). */
  otlpHttpUrl: string;
  /** Query API and UI of the storage tier (`/api/v3/...`). */
  queryUrl: string;
  /** The RED metrics in Prometheus text format. */
  metricsUrl: string;
  ports: CollectorTierPorts;
  /** The operating-system process ids of both tiers (the query tier's changes on restart). */
  pids(): { collector: number | undefined; query: number | undefined };
  /** Stops the query tier only (its Badger files stay). */
  stopQuery(): Promise<void>;
  /** Starts the query tier again on the same ports and files. */
  startQuery(): Promise<void>;
  /** Stops the collector, then the query tier. */
  stop(): Promise<void>;
}

const env = (values: Record<string, string | number | undefined>) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));

/** Starts the query tier, then the collector, each once its health check answers. */
export async function startCollectorTier(options: CollectorTierOptions = {}): Promise<CollectorTier> {
  if (!fs.existsSync(jaegerBinary)) throw new Error(`${jaegerBinary} is missing: run \`bash scripts/tools.sh jaeger\``);
  const ports = options.ports ?? DEFAULT_COLLECTOR_TIER_PORTS;
  const badgerDir = path.resolve(projectRoot, options.badgerDir ?? '.data/jaeger-badger');
  fs.mkdirSync(badgerDir, { recursive: true });
  const url = (port: number, p = '') => `http://127.0.0.1:${port}${p}`;

  const launch = async (name: 'collector' | 'query', config: string, extra: Record<string, string>, healthPort: number) => {
    const proc = spawnCommand({
      name: `jaeger-${name}`,
      command: jaegerBinary,
      args: ['--config', config],
      env: { ...env(ports as unknown as Record<string, number>), ...extra },
      onLine: (line, stream) => options.onLine?.(name, line, stream),
    });
    try {
      await waitForHealthUrl(url(healthPort, '/status'), () => proc.running, () => proc.describeTail(), 30_000);
    } catch (err) {
      await stop(proc, 'SIGKILL');
      throw err;
    }
    return proc;
  };
  const startQueryTier = () => launch('query', queryConfig, { JAEGER_BADGER_DIR: badgerDir }, ports.QUERY_HEALTH_PORT);

  let query: LaunchedProcess | undefined = await startQueryTier();
  let collector: LaunchedProcess;
  try {
    collector = await launch(
      'collector',
      collectorConfig,
      env({
        COLLECTOR_QUERY_OTLP: `127.0.0.1:${ports.QUERY_OTLP_GRPC_PORT}`,
        COLLECTOR_KEEP_PERCENT: options.sampling?.keepPercent,
        COLLECTOR_SLOW_MS: options.sampling?.slowMs,
        COLLECTOR_DECISION_WAIT: options.sampling?.decisionWait,
      }),
      ports.COLLECTOR_HEALTH_PORT,
    );
  } catch (err) {
    await stop(query, 'SIGTERM');
    throw err;
  }
  return {
    otlpHttpUrl: url(ports.COLLECTOR_OTLP_HTTP_PORT, '/v1/traces'),
    queryUrl: url(ports.JAEGER_QUERY_PORT),
    metricsUrl: url(ports.COLLECTOR_METRICS_PORT, '/metrics'),
    ports,
    pids: () => ({ collector: collector.pid, query: query?.pid }),
    async stopQuery() {
      if (query) await stop(query, 'SIGTERM', 10_000);
      query = undefined;
    },
    async startQuery() {
      if (query?.running) throw new Error('the query tier is still running');
      query = await startQueryTier();
    },
    async stop() {
      await stop(collector, 'SIGTERM', 10_000);
      if (query) await stop(query, 'SIGTERM', 10_000);
    },
  };
}
