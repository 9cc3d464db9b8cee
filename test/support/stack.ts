import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DOWNSTREAM } from '../../gateway/grpc-clients';
import { callerEnv, identityOf, perProcess, PROCESS_SPECS, specFor, stopOrder, type ProcessName } from '../../scripts/stack/process-spec';
import { freePorts, launchProcess, sendSignal, stop, waitForGatewayReady, waitForReady, type LaunchedProcess } from '../../scripts/stack/launch';
import { instanceId, REPLICATED } from '../../scripts/stack/replicas';
import { targetFor } from '../../shared/grpc/target';
import type { TestDatabase } from './databases';
import { sharedPostgres } from './postgres';
import { testPki } from './pki';
import { sharedJaeger } from './shared-jaeger';

/** The email that gets role admin in every test stack (ADMIN_EMAILS). */
export const ADMIN_EMAIL = 'admin@example.test';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Environment added to all three processes. */
  env?: Record<string, string>;
  /** Environment added to one process (wins over `env`). */
  envFor?: Partial<Record<ProcessName, Record<string, string>>>;
  /** How long each process may take to log `ready`, and the gateway to answer `/ready` 200. */
  readyTimeoutMs?: number;
  /**
   * Export spans to the suite's shared Jaeger (default true): the final audit reads them back.
   * Tracing variables in `env`/`envFor` still win.
   */
  sharedTracing?: boolean;
  /**
   * Where the services keep their data (default sqlite: fresh files in the temp dir). `postgres`
   * gives each service a fresh database in the suite's PostgreSQL cluster (test/support/postgres.ts).
   */
  database?: TestDatabase;
  /**
   * Instances of each gRPC service (default 1), each on its own free port with
   * `SERVICE_INSTANCE_ID` `auth-0`, `auth-1`, ...; every instance of a service shares its SQLite
   * file, and callers get an `ipv4:` target naming them all. Started one at a time.
   */
  replicas?: number;
}

/** The real processes (each of process-spec.ts, more with replicas) on free ports with their own SQLite files. */
export interface Stack {
  /** `http://127.0.0.1:<port>` of the gateway. */
  gatewayUrl: string;
  /** The user service's target: `127.0.0.1:<port>`, or `ipv4:...` listing every instance. */
  userAddr: string;
  /** The auth service's target, like {@link userAddr}. */
  authAddr: string;
  /** Any service's target, like {@link userAddr}. */
  addrOf(name: ProcessName): string;
  /** The temp dir holding the SQLite files (removed by stop()). */
  dataDir: string;
  /** The engine the services run on. */
  database: TestDatabase;
  /** The current process of each service's first instance (replaced by startService). */
  processes: Record<ProcessName, LaunchedProcess>;
  /** The current process of every instance of a service, by instance index. */
  instances(name: ProcessName): LaunchedProcess[];
  /** The environment an instance of a service was started with. */
  envOf(name: ProcessName, instance?: number): Record<string, string>;
  /** Stops all of them (gateway first) and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops one instance (default the first) with SIGTERM; resolves with its exit code. */
  stopService(name: ProcessName, instance?: number): Promise<number | null>;
  /** Kills one instance with SIGKILL at once (no drain); resolves once it is gone. */
  killService(name: ProcessName, instance?: number): Promise<void>;
  /** Starts a stopped instance again on the same port and database file; resolves once ready. */
  startService(name: ProcessName, instance?: number): Promise<void>;
  /** Freezes an instance (SIGSTOP): it keeps its sockets but answers nothing. */
  pause(name: ProcessName, instance?: number): void;
  /** Thaws a paused instance (SIGCONT). */
  resume(name: ProcessName, instance?: number): void;
  /** Every output line the service's instances printed, across restarts. */
  logs(name: ProcessName): string[];
  /** Every service's output, for a failure report. */
  dumpLogs(lastLines?: number): string;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
// Every line every service printed in this mocha run, for the telemetry audit (test/support/secrets-audit.ts).
const everyLine: string[] = [];

/** Every output line of every service started by any stack in this run. */
export function allServiceLogLines(): readonly string[] {
  return everyLine;
}

// Live stacks, so a crashed run still kills its children (see the 'exit' hook below).
const live = new Set<Stack>();
const liveProcesses = new Set<LaunchedProcess>();

process.on('exit', () => {
  for (const proc of liveProcesses) sendSignal(proc, 'SIGKILL');
});

/**
 * Starts every process of process-spec.ts from `dist/` (the services `replicas` times) on free ports with
 * fresh SQLite files in a new temp dir and resolves once the gateway's `/ready` answers 200.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const replicas = options.replicas ?? 1;
  const counts = perProcess((name) => (REPLICATED.includes(name) ? replicas : 1));
  const layout: StackLayout = {
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'stack-')),
    counts,
    ports: await stackPorts(counts),
    database: options.database ?? 'sqlite',
    pgDatabases: [],
  };
  const envs = await instanceEnvs(options, layout);
  const instances = stackInstances(counts, envs, readyTimeoutMs);
  const stack = stackOf(layout, envs, instances);
  live.add(stack);
  try {
    // One at a time, each ready before the next: callers after what they call, and instances
    // sharing a SQLite file never migrate it at the same moment.
    for (const spec of PROCESS_SPECS) {
      for (let i = 0; i < counts[spec.name]; i++) await instances.launch(spec.name, i);
    }
    await waitForGatewayReady(stack.gatewayUrl, readyTimeoutMs);
  } catch (err) {
    const logs = stack.dumpLogs();
    await stack.stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
  return stack;
}

/** Where a stack's processes listen and keep their data. */
interface StackLayout {
  dataDir: string;
  /** Instances of each process. */
  counts: Record<ProcessName, number>;
  /** Each instance's port, by process. */
  ports: Record<ProcessName, number[]>;
  database: TestDatabase;
  /** The PostgreSQL databases made for it (dropped by stop()). */
  pgDatabases: string[];
}

/** A free port for every instance. */
async function stackPorts(counts: Record<ProcessName, number>): Promise<Record<ProcessName, number[]>> {
  const ports = {} as Record<ProcessName, number[]>;
  const picked = await freePorts(PROCESS_SPECS.reduce((n, spec) => n + counts[spec.name], 0));
  for (const spec of PROCESS_SPECS) ports[spec.name] = picked.splice(0, counts[spec.name]);
  return ports;
}

/** A target naming every instance of a process of `layout`. */
const targetIn = (layout: StackLayout) => (name: ProcessName) => targetFor(layout.ports[name].map((port) => ({ host: '127.0.0.1', port })));

/** The environment of every instance: tracing, its database, where its callees are, then the test's own. */
async function instanceEnvs(options: StackOptions, layout: StackLayout): Promise<Record<ProcessName, Array<Record<string, string>>>> {
  const tracing: Record<string, string> =
    options.sharedTracing === false
      ? {}
      : { ...(await sharedJaeger()).envFor('otlp'), OTEL_BSP_SCHEDULE_DELAY: '200' } as Record<string, string>;
  const dbEnv = async (prefix: string | undefined): Promise<Record<string, string>> => {
    if (prefix === undefined) return {};
    if (layout.database === 'sqlite') return { [`${prefix}_DB_PATH`]: path.join(layout.dataDir, `${prefix.toLowerCase()}.db`) };
    const url = await (await sharedPostgres()).createDatabase(prefix.toLowerCase());
    layout.pgDatabases.push(url);
    return { [`${prefix}_DB_URL`]: url };
  };
  const particular: Partial<Record<ProcessName, Record<string, string>>> = {
    auth: { JWT_SECRET: crypto.randomBytes(32).toString('base64url') },
    // Every test registers from 127.0.0.1: no registration limit unless a test sets one.
    user: { ADMIN_EMAILS: ADMIN_EMAIL, REGISTRATION_MAX_PER_CLIENT: '1000000' },
  };
  const own = {} as Record<ProcessName, Record<string, string>>;
  // Each process's mutual-TLS identity, from the run's PKI (test/support/pki.ts).
  const pki = await testPki();
  for (const spec of PROCESS_SPECS) {
    own[spec.name] = { ...(await dbEnv(spec.servicePrefix)), ...callerEnv(spec, targetIn(layout)), ...pki.envOf(identityOf(spec.name)), ...particular[spec.name] };
  }
  const envs = {} as Record<ProcessName, Array<Record<string, string>>>;
  for (const spec of PROCESS_SPECS) {
    envs[spec.name] = layout.ports[spec.name].map((port, index) => ({
      NODE_ENV: 'test',
      ...(layout.counts[spec.name] > 1 ? { SERVICE_INSTANCE_ID: instanceId(spec.name, index) } : {}),
      ...tracing,
      ...options.env,
      [spec.hostEnv]: '127.0.0.1',
      [spec.portEnv]: String(port),
      ...own[spec.name],
      ...options.envFor?.[spec.name],
    }));
  }
  return envs;
}

/** A stack's instances: started (and started again) by name and index, with their output kept. */
interface StackInstances {
  launch(name: ProcessName, index: number): Promise<void>;
  /** The current process of an instance; throws for one that was never started. */
  instance(name: ProcessName, index?: number): LaunchedProcess;
  current: Record<ProcessName, LaunchedProcess[]>;
  processes: Record<ProcessName, LaunchedProcess>;
  allLogs: Record<ProcessName, string[]>;
}

/** Keeps every instance's current process and output; `launch` resolves once the instance is ready. */
function stackInstances(counts: Record<ProcessName, number>, envs: Record<ProcessName, Array<Record<string, string>>>, readyTimeoutMs: number): StackInstances {
  const allLogs = perProcess((): string[] => []);
  const current = perProcess((): LaunchedProcess[] => []);
  const processes = {} as Record<ProcessName, LaunchedProcess>;
  const echo = Boolean(process.env.STACK_ECHO);
  const launch = async (name: ProcessName, index: number) => {
    const label = counts[name] > 1 ? instanceId(name, index) : name;
    const proc = launchProcess({
      name: label,
      folder: specFor(name).folder,
      env: envs[name][index],
      onLine: (line, stream) => {
        allLogs[name].push(stream === 'stderr' ? `(stderr) ${line}` : line);
        everyLine.push(line);
        if (echo) process.stderr.write(`[${label}] ${line}\n`);
      },
    });
    current[name][index] = proc;
    if (index === 0) processes[name] = proc;
    liveProcesses.add(proc);
    void proc.exited.then(() => liveProcesses.delete(proc));
    await waitForReady(proc, readyTimeoutMs);
  };
  const instance = (name: ProcessName, index = 0) => {
    const proc = current[name][index];
    if (!proc) throw new Error(`${name} has no instance ${index}`);
    return proc;
  };
  return { launch, instance, current, processes, allLogs };
}

/** The {@link Stack} a test uses, over its layout and instances. */
function stackOf(layout: StackLayout, envs: Record<ProcessName, Array<Record<string, string>>>, instances: StackInstances): Stack {
  const { current, instance, allLogs } = instances;
  const targetOf = targetIn(layout);
  let stopped = false;
  const stack: Stack = {
    gatewayUrl: `http://127.0.0.1:${layout.ports.gateway[0]!}`,
    userAddr: targetOf('user'),
    authAddr: targetOf('auth'),
    addrOf: targetOf,
    dataDir: layout.dataDir,
    database: layout.database,
    processes: instances.processes,
    instances: (name) => [...current[name]],
    envOf: (name, index = 0) => ({ ...envs[name][index] }),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const spec of stopOrder()) {
        await Promise.all(current[spec.name].map((proc) => stop(proc, 'SIGTERM', 10_000)));
      }
      live.delete(stack);
      fs.rmSync(layout.dataDir, { recursive: true, force: true });
      if (layout.pgDatabases.length > 0) {
        const pg = await sharedPostgres();
        await Promise.all(layout.pgDatabases.map((url) => pg.dropDatabase(url).catch(() => undefined)));
      }
    },
    stopService: (name, index) => stop(instance(name, index), 'SIGTERM', 10_000),
    async killService(name, index) {
      const proc = instance(name, index);
      sendSignal(proc, 'SIGKILL');
      await proc.exited;
    },
    async startService(name, index = 0) {
      if (instance(name, index).running) throw new Error(`${name} instance ${index} is still running; stopService it first`);
      await instances.launch(name, index);
    },
    pause(name, index) {
      if (!sendSignal(instance(name, index), 'SIGSTOP')) throw new Error(`${name} is not running`);
    },
    resume(name, index) {
      if (!sendSignal(instance(name, index), 'SIGCONT')) throw new Error(`${name} is not running`);
    },
    logs: (name) => [...allLogs[name]],
    dumpLogs(lastLines = 60) {
      return PROCESS_SPECS.map((spec) => {
        const lines = allLogs[spec.name].slice(-lastLines);
        return `--- ${spec.name} (last ${lines.length} lines) ---\n${lines.join('\n')}`;
      }).join('\n');
    },
  };
  return stack;
}

/** Where `stack` serves a gRPC service named in the contracts (`user.v1.UserService`). */
export function addressOfService(stack: Stack, serviceName: string): string {
  return stack.addrOf(processServing(serviceName));
}

/**
 * The process serving a gRPC service named in the contracts (`user.v1.UserService` -> `user`):
 * the one the gateway calls for it (DOWNSTREAM names each after its process). Throws naming a
 * service no process serves.
 */
export function processServing(serviceName: string): ProcessName {
  const entry = Object.entries(DOWNSTREAM).find(([, d]) => d.Client.serviceName === serviceName);
  if (!entry) throw new Error(`no process of the stack serves ${serviceName}: add it to DOWNSTREAM (gateway/grpc-clients.ts)`);
  return entry[0] as ProcessName;
}

/** Stops every stack still running (for a root after-hook or a crash path). */
export async function stopAllStacks(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Registers mocha hooks on the current describe: one stack for the whole block, stopped after it,
 * with the services' output printed when a test fails. Returns a getter for the stack.
 */
export function useStack(options: StackOptions = {}): () => Stack {
  let stack: Stack | undefined;
  before(async function () {
    this.timeout((options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS) * 4);
    stack = await startStack(options);
  });
  afterEach(function () {
    if (stack && this.currentTest?.state === 'failed') {
      process.stderr.write(`\nservice output around "${this.currentTest.fullTitle()}":\n${stack.dumpLogs(40)}\n`);
    }
  });
  after(async function () {
    this.timeout(60_000);
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the stack did not start');
    return stack;
  };
}
