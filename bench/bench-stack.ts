import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, parseJsonLine, stop, waitForGatewayReady, waitForReady, type LaunchedProcess } from '../scripts/stack/launch';
import type { DevPki } from '../scripts/stack/dev-pki';
import { provisionStackPki } from '../scripts/stack/dev-pki-hook';
import { callerEnv, identityOf, nodeArgs, PROCESS_SPECS, stopOrder, type ProcessName } from '../scripts/stack/process-spec';
import { clusterAt } from '../scripts/stack/postgres-cluster';
import { instanceId, REPLICATED } from '../scripts/stack/replicas';
import { targetFor } from '../shared/grpc/target';
import { projectRoot } from '../shared/paths';
import { spawnTracked } from './children';
import { CONFIGS, SCRUBBED_ENV, type ConfigName, type TracingTargets } from './configs';

/** Span counts one traced process printed at shutdown (`telemetry stats`). */
export interface SpanStats {
  ended: number;
  exported: number;
  failed: number;
  dropped: number;
}

/** The user every stack registers before the loads, with a token for the authenticated loads. */
export interface BenchAccount {
  id: string;
  email: string;
  password: string;
  accessToken: string;
}

/** A process of a running configuration, by role (`gateway`, `user`, `auth`). */
export interface RoleProcess {
  role: ProcessName;
  proc: LaunchedProcess;
}

/** One configuration's processes, started and ready for load. */
export interface RunningConfig {
  name: ConfigName;
  processes: RoleProcess[];
  gatewayUrl: string;
  userAddr: string;
  authAddr: string;
  /**
   * The gateway's certificate files: what ghz presents to call the services directly (mutual TLS).
   * Undefined for a build from before mutual TLS (`--against`), whose services speak plaintext.
   */
  clientTls: { ca: string; cert: string; key: string } | undefined;
  account?: BenchAccount;
  /** Filled from each process's `telemetry stats` line once it has stopped. */
  spanStats: Partial<Record<ProcessName, SpanStats>>;
  /** Stops the processes (callers first) and removes the data folder; safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** The admin every stack also knows of (ADMIN_EMAILS), as the tests do; the loads use a plain user. */
const ADMIN_EMAIL = 'admin@bench.test';

/** Environment that removes inherited settings which would change what a configuration means. */
function scrubbed(): Record<string, undefined> {
  return Object.fromEntries(SCRUBBED_ENV.map((k) => [k, undefined]));
}

/** The span counts of a role's instances, summed. */
function addSpanStats(sum: SpanStats | undefined, more: SpanStats): SpanStats {
  if (!sum) return more;
  return { ended: sum.ended + more.ended, exported: sum.exported + more.exported, failed: sum.failed + more.failed, dropped: sum.dropped + more.dropped };
}

function readSpanStats(line: string): SpanStats | undefined {
  // Cheap test first: the services print thousands of log lines a second under load.
  if (!line.includes('telemetry stats')) return undefined;
  const record = parseJsonLine(line);
  if (record?.msg !== 'telemetry stats') return undefined;
  const spans = record.spans as Partial<SpanStats> | undefined;
  return {
    ended: Number(spans?.ended ?? 0),
    exported: Number(spans?.exported ?? 0),
    failed: Number(spans?.failed ?? 0),
    dropped: Number(spans?.dropped ?? 0),
  };
}

/** Where and how {@link startStack} starts a stack's processes. */
export interface StackOptions {
  /** Root of the build whose `dist/` runs (another checkout, to compare two builds); this one by default. */
  root?: string;
  /** Every process runs with `node --cpu-prof`, writing into `<dir>/<name>-<role>/`. */
  cpuProfDir?: string;
  /** Prefix of the process names (what tells two builds' stacks apart in logs and reports). */
  label?: string;
}

/**
 * How the build at `root` starts a process: its own process-spec.ts, since another build may keep
 * its node flags and preload elsewhere than this one (`--against`).
 */
function nodeArgsOf(root: string): typeof nodeArgs {
  if (root === projectRoot) return nodeArgs;
  return (require(path.join(root, 'dist', 'scripts', 'stack', 'process-spec.js')) as { nodeArgs: typeof nodeArgs }).nodeArgs;
}

/**
 * Starts one stack process with the command line scripts/stack/launch uses (process-spec.ts
 * nodeArgs), from `root`: absolute paths, so another build's code runs with its own modules.
 */
function launchStackProcess(name: string, folder: string, env: Record<string, string | undefined>, onLine: (line: string, stream: string) => void, preload: boolean, options: StackOptions): LaunchedProcess {
  const extra: string[] = [];
  if (options.cpuProfDir) {
    const dir = path.join(options.cpuProfDir, name.replace('/', '-'));
    fs.mkdirSync(dir, { recursive: true });
    extra.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const root = options.root ?? projectRoot;
  const args = nodeArgsOf(root)(folder, { preload, extra }).map((a) => (a.startsWith('./dist/') ? path.join(root, a) : a));
  return spawnTracked({ name, command: process.execPath, args, env, onLine });
}

/** Starts every process (each service `replicas` times) like test/support/stack.ts does: free ports, fresh SQLite files; then registers the bench user. */
export async function startStack(name: ConfigName, targets: TracingTargets, options: StackOptions = {}): Promise<RunningConfig> {
  const label = options.label ?? name;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const ports = await stackPorts(CONFIGS[name].replicas ?? 1);
  const targetOf = (role: ProcessName) => targetFor(ports[role].map((port) => ({ host: '127.0.0.1', port })));
  const gatewayUrl = `http://127.0.0.1:${ports.gateway[0]!}`;
  const common = commonEnv(name, targets);
  // Mutual TLS as npm start runs it: the checkout's development PKI, a certificate per process.
  const pki = await provisionStackPki();
  const own = await ownEnvs(name, targets, dataDir, targetOf, pki);
  const processes: RoleProcess[] = [];
  const clientTls = fs.existsSync(path.join(options.root ?? projectRoot, 'dist', 'shared', 'grpc', 'tls.js')) ? pki.filesOf('gateway') : undefined;
  const running = runningConfig({ name, processes, gatewayUrl, userAddr: targetOf('user'), authAddr: targetOf('auth'), clientTls, spanStats: {} }, dataDir);
  try {
    await launchAll({ name, label, ports, own, processes, spanStats: running.spanStats, options, common });
    await waitForGatewayReady(gatewayUrl, READY_TIMEOUT_MS);
    running.account = await registerAccount(gatewayUrl, name);
  } catch (err) {
    const tails = processes.map((p) => `--- ${p.proc.name} ---\n${p.proc.describeTail(30)}`).join('\n');
    await running.stop();
    throw new Error(`${label}: the stack did not start: ${(err as Error).message}\n${tails}`);
  }
  return running;
}

/** A free port for every instance: each service `replicas` times, the gateway once. */
async function stackPorts(replicas: number): Promise<Record<ProcessName, number[]>> {
  const ports = {} as Record<ProcessName, number[]>;
  for (const spec of PROCESS_SPECS) {
    ports[spec.name] = [];
    const count = REPLICATED.includes(spec.name) ? replicas : 1;
    for (let i = 0; i < count; i++) ports[spec.name].push(await freePort());
  }
  return ports;
}

/** What every process of a configuration gets: a scrubbed environment, production, and the configuration's tracing. */
function commonEnv(name: ConfigName, targets: TracingTargets): Record<string, string | undefined> {
  return {
    ...scrubbed(),
    NODE_ENV: 'production',
    // `ready` is logged at info; info is also the default a deployment runs with (one line per RPC).
    LOG_LEVEL: 'info',
    ...CONFIGS[name].tracingEnv(targets),
  };
}

/** Each process's own environment: its database, where its callees are, and its particular settings. */
async function ownEnvs(
  name: ConfigName,
  targets: TracingTargets,
  dataDir: string,
  targetOf: (role: ProcessName) => string,
  pki: DevPki,
): Promise<Record<ProcessName, Record<string, string>>> {
  // A `-pg` configuration gets its own two databases in the harness's cluster, SQLite files otherwise.
  const database = async (prefix: string | undefined): Promise<Record<string, string>> => {
    if (prefix === undefined) return {};
    if (CONFIGS[name].database !== 'postgres') return { [`${prefix}_DB_PATH`]: path.join(dataDir, `${prefix.toLowerCase()}.db`) };
    if (!targets.postgresUrl) throw new Error(`${name} needs the harness's PostgreSQL cluster`);
    return { [`${prefix}_DB_URL`]: await clusterAt(targets.postgresUrl, undefined).createDatabase(`bench_${prefix.toLowerCase()}`) };
  };
  const particular: Partial<Record<ProcessName, Record<string, string>>> = {
    auth: {
      JWT_SECRET: crypto.randomBytes(32).toString('base64url'),
      // The token is made once per stack; a full run lasts longer than the default 15 minutes.
      ACCESS_TOKEN_TTL_SECONDS: '86400',
    },
    user: { ADMIN_EMAILS: ADMIN_EMAIL },
  };
  const own = {} as Record<ProcessName, Record<string, string>>;
  for (const spec of PROCESS_SPECS) {
    own[spec.name] = { ...(await database(spec.servicePrefix)), ...callerEnv(spec, targetOf), ...pki.envOf(identityOf(spec.name)), ...particular[spec.name] };
  }
  return own;
}

/** The running configuration: its stop() stops the processes callers-first (once), then removes its data. */
function runningConfig(config: Omit<RunningConfig, 'stop'>, dataDir: string): RunningConfig {
  let stopped = false;
  return {
    ...config,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const spec of stopOrder()) {
        await Promise.all(config.processes.filter((p) => p.role === spec.name).map((p) => stop(p.proc, 'SIGTERM', STOP_TIMEOUT_MS)));
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What {@link launchAll} starts, and where it records the processes and their span counts. */
interface StackLaunch {
  name: ConfigName;
  label: string;
  ports: Record<ProcessName, number[]>;
  common: Record<string, string | undefined>;
  own: Record<ProcessName, Record<string, string>>;
  processes: RoleProcess[];
  spanStats: Partial<Record<ProcessName, SpanStats>>;
  options: StackOptions;
}

/** Starts every instance in process-spec order, each ready before the next. */
async function launchAll(launch: StackLaunch): Promise<void> {
  const { name, label, ports, common, own, processes, spanStats, options } = launch;
  for (const spec of PROCESS_SPECS) {
    for (const [index, port] of ports[spec.name].entries()) {
      const instance = ports[spec.name].length > 1 ? `-${index}` : '';
      const env = {
        ...common,
        [spec.hostEnv]: '127.0.0.1',
        [spec.portEnv]: String(port),
        ...(instance ? { SERVICE_INSTANCE_ID: instanceId(spec.name, index) } : {}),
        ...own[spec.name],
      };
      const onLine = (line: string, stream: string) => {
        if (stream !== 'stderr') return;
        const stats = readSpanStats(line);
        if (stats) spanStats[spec.name] = addSpanStats(spanStats[spec.name], stats);
      };
      const proc = launchStackProcess(`${label}/${spec.name}${instance}`, spec.folder, env, onLine, CONFIGS[name].preload !== false, options);
      processes.push({ role: spec.name, proc });
      // One at a time: instances of a service share its SQLite file and migrate it at start.
      await waitForReady(proc, READY_TIMEOUT_MS);
    }
  }
}

/** Registers the stack's bench user through the REST API; its token authenticates the loads. */
async function registerAccount(gatewayUrl: string, config: ConfigName): Promise<BenchAccount> {
  const email = `bench-${config.replace(/[^a-z0-9]/g, '')}@bench.test`;
  const password = crypto.randomBytes(18).toString('base64url');
  const res = await fetch(`${gatewayUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Bench User' }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => undefined)) as { user?: { id?: string }; accessToken?: string } | undefined;
  if (res.status !== 201 || !body?.user?.id || !body.accessToken) {
    throw new Error(`registering the bench user answered ${res.status}: ${JSON.stringify(body)?.slice(0, 300)}`);
  }
  return { id: body.user.id, email, password, accessToken: body.accessToken };
}
