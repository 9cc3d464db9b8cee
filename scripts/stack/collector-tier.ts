import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';
import { jaegerBinary, otelcolLbBinary } from './go-tools';
import { waitForHealthUrl } from './jaeger-process';
import { freePorts, spawnCommand, stop, type LaunchedProcess, type OutputStream } from './launch';
import { supervise, type Supervised } from './supervisor';

/** deploy/jaeger-collector.yaml: OTLP in, tail sampling, RED metrics, OTLP out to the query tier. */
export const collectorConfig = path.join(projectRoot, 'deploy', 'jaeger-collector.yaml');
/** deploy/jaeger-query.yaml: OTLP in from the collector, Badger storage, query API and UI. */
export const queryConfig = path.join(projectRoot, 'deploy', 'jaeger-query.yaml');
/** deploy/otelcol-lb.yaml: the load-balancing layer, OTLP in, every span to the sampler its trace id hashes to. */
export const loadBalancerConfig = path.join(projectRoot, 'deploy', 'otelcol-lb.yaml');

/** The most samplers `--collector N` runs. */
export const MAX_SAMPLERS = 10;

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
  /** The load-balancing layer's health check (with samplers; it takes the collector's OTLP ports). */
  LB_HEALTH_PORT: number;
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
  LB_HEALTH_PORT: 13135,
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

/** The ports of one sampler (a tail-sampling collector behind the load-balancing layer). */
export interface SamplerPorts {
  otlpGrpc: number;
  otlpHttp: number;
  metrics: number;
  health: number;
}

/**
 * Ports for `count` samplers: OTLP and health on free ports (only the load-balancing layer and
 * the launcher talk to them), the RED metrics on `metricsBase + i` (a Prometheus scrapes them, so
 * they are predictable), or free too when `metricsBase` is undefined (tests).
 */
export async function samplerPortsFor(count: number, metricsBase: number | undefined): Promise<SamplerPorts[]> {
  const picked = await freePorts(count * (metricsBase === undefined ? 4 : 3));
  return Array.from({ length: count }, (_, i) => {
    const [otlpGrpc, otlpHttp, health, metrics] = picked.splice(0, metricsBase === undefined ? 4 : 3) as [number, number, number, number?];
    const port = metrics ?? metricsBase! + i;
    if (port > 65535) throw new Error(`sampler ${i}'s metrics port ${port} is beyond 65535: lower COLLECTOR_METRICS_PORT`);
    return { otlpGrpc, otlpHttp, health, metrics: port };
  });
}

/**
 * Reads the sampler count of `--collector N`: a whole number from 1 to {@link MAX_SAMPLERS}.
 * Throws a message naming the flag for anything else.
 */
export function parseSamplerCount(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_SAMPLERS) {
    throw new Error(`--collector: the number of samplers must be a whole number from 1 to ${MAX_SAMPLERS}, got ${value === undefined ? 'nothing' : `"${value}"`}`);
  }
  return Number(value);
}

/** Options of {@link startCollectorTier}. */
export interface CollectorTierOptions {
  ports?: CollectorTierPorts;
  /**
   * Run this many tail-sampling collectors behind the load-balancing layer (deploy/otelcol-lb.yaml),
   * which then takes the collector's OTLP ports. Without it: one collector, as deploy/ describes.
   */
  samplers?: number;
  /** The samplers' own ports (default: {@link samplerPortsFor} with COLLECTOR_METRICS_PORT as the metrics base). */
  samplerPorts?: SamplerPorts[];
  /**
   * Restart a sampler that exits while the tier runs, on the same ports (default true): the load
   * balancer's static list then names a live sampler again. At most `MAX_RESTARTS` a minute
   * (scripts/stack/supervisor.ts, which restarts the launcher's instances the same way).
   */
  restartSamplers?: boolean;
  /** Badger's folder (kept across restarts; default .data/jaeger-badger). */
  badgerDir?: string;
  /** The collector's sampling knobs (COLLECTOR_KEEP_PERCENT, COLLECTOR_SLOW_MS, COLLECTOR_DECISION_WAIT). */
  sampling?: { keepPercent?: number; slowMs?: number; decisionWait?: string };
  /** Every output line of any process (`sampler-0`, ... and `lb` with samplers). */
  onLine?: (process: string, line: string, stream: OutputStream) => void;
}

/** One sampler of a load-balanced tier, as the tier's user sees it. */
export interface Sampler {
  index: number;
  ports: SamplerPorts;
  /** Its own OTLP/HTTP traces URL (to bypass the load-balancing layer, as the control test does). */
  otlpHttpUrl: string;
  /** Its own RED metrics (Prometheus text). */
  metricsUrl: string;
  /** Its current operating-system process id (changes when it is restarted). */
  pid(): number | undefined;
  /** How many times it was restarted after exiting. */
  restarts(): number;
  /** Kills it with SIGKILL (the tier restarts it when restartSamplers is on); resolves once it is gone. */
  kill(): Promise<void>;
  /** Resolves once it answers its health check (after a restart). */
  healthy(timeoutMs?: number): Promise<void>;
}

/** Two running Jaegers: the collector tier and the storage/query tier behind it. */
export interface CollectorTier {
  /** OTLP/HTTP traces URL the services export to (`.../v1/traces`). */
  otlpHttpUrl: string;
  /** Query API and UI of the storage tier (`/api/v3/...`). */
  queryUrl: string;
  /** The RED metrics in Prometheus text format (with samplers: the first sampler's; see `samplers`). */
  metricsUrl: string;
  ports: CollectorTierPorts;
  /** The samplers behind the load-balancing layer (empty for one collector). */
  samplers: Sampler[];
  /** The operating-system process ids of both tiers (the query tier's changes on restart). */
  pids(): { collector: number | undefined; query: number | undefined };
  /** Stops the query tier only (its Badger files stay). */
  stopQuery(): Promise<void>;
  /** Starts the query tier again on the same ports and files. */
  startQuery(): Promise<void>;
  /** Stops the load-balancing layer, the collector(s), then the query tier. */
  stop(): Promise<void>;
}

const url = (port: number, p = '') => `http://127.0.0.1:${port}${p}`;

const env = (values: Record<string, string | number | undefined>) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));

/** Starts one process of the tier and resolves once its health check answers (killed if it does not). */
type Launch = (name: string, command: string, config: string, extra: Record<string, string>, healthUrl: string) => Promise<LaunchedProcess>;

/** The query tier of a running collector tier: stopped and started again on the same ports and files. */
interface QueryTier {
  pid(): number | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts the query tier once and keeps hold of whichever process runs it. */
async function startQueryTier(launchQuery: () => Promise<LaunchedProcess>): Promise<QueryTier> {
  let query: LaunchedProcess | undefined = await launchQuery();
  return {
    pid: () => query?.pid,
    async stop() {
      if (query) await stop(query, 'SIGTERM', 10_000);
      query = undefined;
    },
    async start() {
      if (query?.running) throw new Error('the query tier is still running');
      query = await launchQuery();
    },
  };
}

/** A launcher of the tier's processes on `ports`, each waited for on its health check. */
function launcherOf(ports: CollectorTierPorts, onLine: CollectorTierOptions['onLine']): Launch {
  return async (name, command, config, extra, healthUrl) => {
    const proc = spawnCommand({
      name: name === 'lb' ? 'otelcol-lb' : `jaeger-${name}`,
      command,
      args: ['--config', config],
      env: { ...env(ports as unknown as Record<string, number>), ...extra },
      onLine: (line, stream) => onLine?.(name, line, stream),
    });
    try {
      await waitForHealthUrl(healthUrl, () => proc.running, () => proc.describeTail(), 30_000);
    } catch (err) {
      await stop(proc, 'SIGKILL');
      throw err;
    }
    return proc;
  };
}

/** Starts the query tier, then the collector, each once its health check answers. */
export async function startCollectorTier(options: CollectorTierOptions = {}): Promise<CollectorTier> {
  if (!fs.existsSync(jaegerBinary)) throw new Error(`${jaegerBinary} is missing: run \`bash scripts/tools.sh jaeger\``);
  if (options.samplers !== undefined && !fs.existsSync(otelcolLbBinary)) {
    throw new Error(`${otelcolLbBinary} is missing: run \`bash scripts/tools.sh otelcol-lb\` (the load-balancing layer of --collector N)`);
  }
  const ports = options.ports ?? DEFAULT_COLLECTOR_TIER_PORTS;
  const badgerDir = path.resolve(projectRoot, options.badgerDir ?? '.data/jaeger-badger');
  fs.mkdirSync(badgerDir, { recursive: true });
  const launch = launcherOf(ports, options.onLine);
  const sampling = env({
    COLLECTOR_QUERY_OTLP: `127.0.0.1:${ports.QUERY_OTLP_GRPC_PORT}`,
    COLLECTOR_KEEP_PERCENT: options.sampling?.keepPercent,
    COLLECTOR_SLOW_MS: options.sampling?.slowMs,
    COLLECTOR_DECISION_WAIT: options.sampling?.decisionWait,
  });

  const query = await startQueryTier(() => launch('query', jaegerBinary, queryConfig, { JAEGER_BADGER_DIR: badgerDir }, url(ports.QUERY_HEALTH_PORT, '/status')));
  try {
    if (options.samplers !== undefined) return await startLoadBalanced({ options, ports, sampling, launch, query });
    return await startOneCollector({ ports, sampling, launch, query });
  } catch (err) {
    await query.stop();
    throw err;
  }
}

/** What starting the collector(s) in front of a running query tier needs. */
interface CollectorStart {
  ports: CollectorTierPorts;
  /** The environment every collector gets: where the query tier is, the sampling knobs. */
  sampling: Record<string, string>;
  launch: Launch;
  query: QueryTier;
}

/** The tier's common face: the ports the services use, and the query tier's controls. */
function tierOf(start: CollectorStart, metricsUrl: string, samplers: Sampler[], collectorPid: () => number | undefined, stopCollectors: () => Promise<void>): CollectorTier {
  const { ports, query } = start;
  return {
    otlpHttpUrl: url(ports.COLLECTOR_OTLP_HTTP_PORT, '/v1/traces'),
    queryUrl: url(ports.JAEGER_QUERY_PORT),
    metricsUrl,
    ports,
    samplers,
    pids: () => ({ collector: collectorPid(), query: query.pid() }),
    stopQuery: () => query.stop(),
    startQuery: () => query.start(),
    async stop() {
      await stopCollectors();
      await query.stop();
    },
  };
}

/** One collector, as deploy/ describes it, on the collector's own ports. */
async function startOneCollector(start: CollectorStart): Promise<CollectorTier> {
  const { ports, sampling, launch } = start;
  const collector = await launch('collector', jaegerBinary, collectorConfig, sampling, url(ports.COLLECTOR_HEALTH_PORT, '/status'));
  return tierOf(start, url(ports.COLLECTOR_METRICS_PORT, '/metrics'), [], () => collector.pid, async () => {
    await stop(collector, 'SIGTERM', 10_000);
  });
}

/** Options of {@link startLoadBalanced}: the tier's own, and how to start its processes. */
interface LoadBalancedStart extends CollectorStart {
  options: CollectorTierOptions;
}

/**
 * The samplers (each deploy/jaeger-collector.yaml on its own ports), then the load-balancing layer
 * on the collector's OTLP ports with a static list of them. A sampler that exits is started
 * again on the same ports, so the list stays true: the loadbalancing exporter's static resolver
 * never drops a backend, it keeps routing that share of the trace ids to it, queued and retried
 * until it answers again.
 */
async function startLoadBalanced(start: LoadBalancedStart): Promise<CollectorTier> {
  const samplerPorts = await samplerPortsOf(start.options, start.ports);
  let stopping = false;
  const supervised: Supervised[] = [];
  let balancer: LaunchedProcess;
  try {
    for (let i = 0; i < samplerPorts.length; i++) {
      supervised.push(await superviseSampler(start, samplerPorts, i, () => !stopping));
    }
    balancer = await launchBalancer(start, samplerPorts);
  } catch (err) {
    stopping = true;
    await Promise.all(supervised.map((s) => stop(s.current(), 'SIGKILL')));
    throw err;
  }
  const samplers = samplerPorts.map((p, i) => samplerOf(i, p, supervised[i]!));
  return tierOf(start, samplers[0]!.metricsUrl, samplers, () => balancer.pid, async () => {
    stopping = true;
    await stop(balancer, 'SIGTERM', 10_000);
    await Promise.all(supervised.map((s) => stop(s.current(), 'SIGTERM', 10_000)));
  });
}

/** The samplers' ports: as given, or picked; checked against the sampler count. */
async function samplerPortsOf(options: CollectorTierOptions, ports: CollectorTierPorts): Promise<SamplerPorts[]> {
  const count = options.samplers!;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SAMPLERS) throw new Error(`samplers: must be a whole number from 1 to ${MAX_SAMPLERS}, got ${count}`);
  const samplerPorts = options.samplerPorts ?? (await samplerPortsFor(count, ports.COLLECTOR_METRICS_PORT));
  if (samplerPorts.length !== count) throw new Error(`samplerPorts: ${samplerPorts.length} given for ${count} samplers`);
  return samplerPorts;
}

/** Starts sampler i on its ports, restarted on them when it exits (unless restartSamplers is off). */
function superviseSampler(start: LoadBalancedStart, samplerPorts: SamplerPorts[], i: number, running: () => boolean): Promise<Supervised> {
  const { options, sampling, launch } = start;
  const p = samplerPorts[i]!;
  const samplerEnv = {
    ...sampling,
    COLLECTOR_OTLP_GRPC_PORT: String(p.otlpGrpc),
    COLLECTOR_OTLP_HTTP_PORT: String(p.otlpHttp),
    COLLECTOR_METRICS_PORT: String(p.metrics),
    COLLECTOR_HEALTH_PORT: String(p.health),
    COLLECTOR_SAMPLER_ID: `sampler-${i}`,
  };
  const restart = options.restartSamplers ?? true;
  return supervise({
    start: () => launch(`sampler-${i}`, jaegerBinary, collectorConfig, samplerEnv, url(p.health, '/status')),
    active: () => running() && restart,
    where: 'on the same ports',
    onMessage: (message) => options.onLine?.(`sampler-${i}`, message, 'stderr'),
  });
}

/** The load-balancing layer on the collector's OTLP ports, routing to the samplers' list. */
function launchBalancer(start: LoadBalancedStart, samplerPorts: SamplerPorts[]): Promise<LaunchedProcess> {
  const { ports, launch } = start;
  const hostnames = samplerPorts.map((p) => `127.0.0.1:${p.otlpGrpc}`).join(', ');
  return launch(
    'lb',
    otelcolLbBinary,
    loadBalancerConfig,
    {
      LB_OTLP_GRPC_PORT: String(ports.COLLECTOR_OTLP_GRPC_PORT),
      LB_OTLP_HTTP_PORT: String(ports.COLLECTOR_OTLP_HTTP_PORT),
      LB_HEALTH_PORT: String(ports.LB_HEALTH_PORT),
      LB_RESOLVER: `{static: {hostnames: [${hostnames}]}}`,
    },
    url(ports.LB_HEALTH_PORT, '/status'),
  );
}

/** Sampler i as the tier's user sees it, following its supervised process across restarts. */
function samplerOf(index: number, p: SamplerPorts, supervised: Supervised): Sampler {
  return {
    index,
    ports: p,
    otlpHttpUrl: url(p.otlpHttp, '/v1/traces'),
    metricsUrl: url(p.metrics, '/metrics'),
    pid: () => supervised.current().pid,
    restarts: () => supervised.restarts(),
    async kill() {
      await stop(supervised.current(), 'SIGKILL', 5_000);
    },
    healthy: (timeoutMs = 30_000) => waitForHealthUrl(url(p.health, '/status'), () => true, () => supervised.current().describeTail(), timeoutMs),
  };
}
