import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROCESS_SPECS, specFor, stopOrder, type ProcessName } from '../../scripts/stack/process-spec';
import { freePort, launchProcess, sendSignal, stop, waitForGatewayReady, waitForReady, type LaunchedProcess } from '../../scripts/stack/launch';
import type { TestDatabase } from './databases';
import { sharedPostgres } from './postgres';
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
}

/** Three real processes on free ports with their own SQLite files. */
export interface Stack {
  /** `http://127.0.0.1:<port>` of the gateway. */
  gatewayUrl: string;
  /** `127.0.0.1:<port>` of the user service. */
  userAddr: string;
  /** `127.0.0.1:<port>` of the auth service. */
  authAddr: string;
  /** The temp dir holding the SQLite files (removed by stop()). */
  dataDir: string;
  /** The engine the services run on. */
  database: TestDatabase;
  /** The current process of each service (replaced by startService). */
  processes: Record<ProcessName, LaunchedProcess>;
  /** The environment each service was started with. */
  envOf(name: ProcessName): Record<string, string>;
  /** Stops all three (gateway first) and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops one service with SIGTERM; resolves with its exit code. */
  stopService(name: ProcessName): Promise<number | null>;
  /** Starts a stopped service again on the same port and database file; resolves once ready. */
  startService(name: ProcessName): Promise<void>;
  /** Freezes a service (SIGSTOP): it keeps its sockets but answers nothing. */
  pause(name: ProcessName): void;
  /** Thaws a paused service (SIGCONT). */
  resume(name: ProcessName): void;
  /** Every output line the service printed, across restarts. */
  logs(name: ProcessName): string[];
  /** Every service's output, for a failure report. */
  dumpLogs(lastLines?: number): string;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
// Every line every service printed in this mocha run, for the telemetry audit (test/zz-audit).
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
 * Starts auth, user and gateway from `dist/` on free ports with fresh SQLite files in a new temp
 * dir and resolves once the gateway's `/ready` answers 200.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
  const ports: Record<ProcessName, number> = { auth: await freePort(), user: await freePort(), gateway: await freePort() };
  const authAddr = `127.0.0.1:${ports.auth}`;
  const userAddr = `127.0.0.1:${ports.user}`;
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;

  const tracing: Record<string, string> =
    options.sharedTracing === false
      ? {}
      : { ...(await sharedJaeger()).envFor('otlp'), OTEL_BSP_SCHEDULE_DELAY: '200' } as Record<string, string>;
  const database = options.database ?? 'sqlite';
  const pgDatabases: string[] = [];
  const dbEnv = async (prefix: 'AUTH' | 'USER'): Promise<Record<string, string>> => {
    if (database === 'sqlite') return { [`${prefix}_DB_PATH`]: path.join(dataDir, `${prefix.toLowerCase()}.db`) };
    const url = await (await sharedPostgres()).createDatabase(prefix.toLowerCase());
    pgDatabases.push(url);
    return { [`${prefix}_DB_URL`]: url };
  };
  const envs = {} as Record<ProcessName, Record<string, string>>;
  const own: Record<ProcessName, Record<string, string>> = {
    auth: { ...(await dbEnv('AUTH')), JWT_SECRET: crypto.randomBytes(32).toString('base64url') },
    user: { ...(await dbEnv('USER')), AUTH_SERVICE_URL: authAddr, ADMIN_EMAILS: ADMIN_EMAIL },
    gateway: { USER_SERVICE_URL: userAddr, AUTH_SERVICE_URL: authAddr },
  };
  for (const spec of PROCESS_SPECS) {
    envs[spec.name] = {
      NODE_ENV: 'test',
      ...tracing,
      ...options.env,
      [spec.hostEnv]: '127.0.0.1',
      [spec.portEnv]: String(ports[spec.name]),
      ...own[spec.name],
      ...options.envFor?.[spec.name],
    };
  }

  const allLogs: Record<ProcessName, string[]> = { auth: [], user: [], gateway: [] };
  const processes = {} as Record<ProcessName, LaunchedProcess>;
  const echo = Boolean(process.env.STACK_ECHO);

  const launch = async (name: ProcessName) => {
    const proc = launchProcess({
      name,
      folder: specFor(name).folder,
      env: envs[name],
      onLine: (line, stream) => {
        allLogs[name].push(stream === 'stderr' ? `(stderr) ${line}` : line);
        everyLine.push(line);
        if (echo) process.stderr.write(`[${name}] ${line}\n`);
      },
    });
    processes[name] = proc;
    liveProcesses.add(proc);
    void proc.exited.then(() => liveProcesses.delete(proc));
    await waitForReady(proc, readyTimeoutMs);
  };

  let stopped = false;
  const stack: Stack = {
    gatewayUrl,
    userAddr,
    authAddr,
    dataDir,
    database,
    processes,
    envOf: (name) => ({ ...envs[name] }),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const spec of stopOrder()) {
        const proc = processes[spec.name] as LaunchedProcess | undefined;
        if (proc) await stop(proc, 'SIGTERM', 10_000);
      }
      live.delete(stack);
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (pgDatabases.length > 0) {
        const pg = await sharedPostgres();
        await Promise.all(pgDatabases.map((url) => pg.dropDatabase(url).catch(() => undefined)));
      }
    },
    stopService: (name) => stop(processes[name], 'SIGTERM', 10_000),
    async startService(name) {
      if (processes[name].running) throw new Error(`${name} is still running; stopService it first`);
      await launch(name);
    },
    pause(name) {
      if (!sendSignal(processes[name], 'SIGSTOP')) throw new Error(`${name} is not running`);
    },
    resume(name) {
      if (!sendSignal(processes[name], 'SIGCONT')) throw new Error(`${name} is not running`);
    },
    logs: (name) => [...allLogs[name]],
    dumpLogs(lastLines = 60) {
      return PROCESS_SPECS.map((spec) => {
        const lines = allLogs[spec.name].slice(-lastLines);
        return `--- ${spec.name} (last ${lines.length} lines) ---\n${lines.join('\n')}`;
      }).join('\n');
    },
  };
  live.add(stack);

  try {
    for (const spec of PROCESS_SPECS) await launch(spec.name);
    await waitForGatewayReady(gatewayUrl, readyTimeoutMs);
  } catch (err) {
    const logs = stack.dumpLogs();
    await stack.stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
  return stack;
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
