import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import readline from 'node:readline';
import { projectRoot } from '../../shared/paths';
import { nodeArgs } from './process-spec';

/** Which output stream a line came from. */
export type OutputStream = 'stdout' | 'stderr';

/** How a process ended: its exit code, or the signal that killed it. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link launchProcess}. */
export interface LaunchOptions {
  /** Short name, used in messages. */
  name: string;
  /** Source folder relative to the repo root (`services/auth`); runs `dist/<folder>/main.js`. */
  folder: string;
  /** Extra environment, applied over this process's own environment. */
  env?: Record<string, string | undefined>;
  /** Called with every complete output line; defaults to printing it after a `[name]` prefix. */
  onLine?: (line: string, stream: OutputStream) => void;
  /**
   * Start the child in its own process group, so a terminal's Ctrl-C reaches only the launcher,
   * which then stops the children in order. Off by default: a killed parent then takes its
   * children's group down with it.
   */
  detached?: boolean;
  /** How many recent output lines to keep for error messages (default 200). */
  tailLines?: number;
}

// How many output lines an error message quotes.
const QUOTED_LINES = 40;

/** A running (or finished) child process started by {@link launchProcess}. */
export class LaunchedProcess {
  /** The most recent output lines, oldest first. */
  readonly tail: string[] = [];
  /** The parsed `ready` log record, once the process has logged it. */
  readyRecord: Record<string, unknown> | undefined;
  /** How the process ended, once it has. */
  exitInfo: ExitInfo | undefined;
  /** Resolves once the process has exited and its output streams are drained. */
  readonly exited: Promise<ExitInfo>;

  private readonly events = new EventEmitter();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly tailLines: number,
  ) {
    this.exited = new Promise((resolve) => {
      // 'close' (not 'exit') so every output line has been seen before anyone reacts.
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        this.events.emit('exit', this.exitInfo);
        resolve(this.exitInfo);
      });
    });
  }

  /** The operating-system process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Records one output line; the launcher calls this, nobody else should. */
  recordLine(line: string, stream: OutputStream): void {
    this.tail.push(stream === 'stderr' ? `(stderr) ${line}` : line);
    if (this.tail.length > this.tailLines) this.tail.shift();
    if (stream === 'stdout' && this.readyRecord === undefined) {
      const record = parseJsonLine(line);
      if (record?.msg === 'ready') {
        this.readyRecord = record;
        this.events.emit('ready', record);
      }
    }
  }

  /** Subscribes to `ready` (the parsed record) or `exit` (the ExitInfo); returns an unsubscriber. */
  on(event: 'ready', listener: (record: Record<string, unknown>) => void): () => void;
  on(event: 'exit', listener: (info: ExitInfo) => void): () => void;
  on(event: 'ready' | 'exit', listener: (value: any) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** The last output lines, for error messages. */
  describeTail(lines = QUOTED_LINES): string {
    const shown = this.tail.slice(-lines);
    return shown.length ? shown.map((l) => `  ${l}`).join('\n') : '  (no output)';
  }
}

/** Parses a JSON log line; anything that is not a JSON object is undefined. */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Describes how a process ended, e.g. `exit code 1` or `signal SIGKILL`. */
export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${String(info.code)}`;
}

/** Options of {@link spawnCommand}: any command, run from the repo root. */
export interface SpawnCommandOptions extends Omit<LaunchOptions, 'folder'> {
  command: string;
  args: string[];
}

/**
 * Starts `command` from the repo root as a {@link LaunchedProcess}: output split into lines, kept
 * for error messages and passed to `onLine` (default: printed after a `[name]` prefix).
 */
export function spawnCommand(options: SpawnCommandOptions): LaunchedProcess {
  const child = spawn(options.command, options.args, {
    cwd: projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const proc = new LaunchedProcess(options.name, child, options.tailLines ?? 200);
  const onLine = options.onLine ?? ((line: string, stream: OutputStream) => {
    (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefixFor(options.name, false)} ${line}\n`);
  });
  // A spawn failure (e.g. EAGAIN) is reported through 'close' with a null code; keep it from
  // becoming an uncaught 'error' event.
  child.on('error', (err) => proc.recordLine(`spawn failed: ${err.message}`, 'stderr'));
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (!source) continue;
    readline.createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
      proc.recordLine(line, stream);
      onLine(line, stream);
    });
  }
  return proc;
}

/**
 * Starts `node <node flags> ./dist/<folder>/main.js` from the repo root (process-spec.ts
 * nodeArgs: the Dockerfile's NODE_OPTIONS). The tracing preload among them loads before main so
 * that, with auto instrumentation, its instrumentations patch modules first.
 */
export function launchProcess(options: LaunchOptions): LaunchedProcess {
  return spawnCommand({ ...options, command: process.execPath, args: nodeArgs(options.folder) });
}

/**
 * Resolves with the process's `ready` log record once it logs one (`"msg":"ready"` on stdout).
 * Rejects, quoting its last output lines, if it exits first or does not get ready in time.
 */
export function waitForReady(proc: LaunchedProcess, timeoutMs: number): Promise<Record<string, unknown>> {
  if (proc.readyRecord) return Promise.resolve(proc.readyRecord);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`${proc.name} ${why}; last output:\n${proc.describeTail()}`));
    };
    const offReady = proc.on('ready', (record: Record<string, unknown>) => {
      cleanup();
      resolve(record);
    });
    const offExit = proc.on('exit', (info: ExitInfo) => fail(`exited before it was ready (${describeExit(info)})`));
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      offReady();
      offExit();
    };
    if (proc.exitInfo) fail(`exited before it was ready (${describeExit(proc.exitInfo)})`);
  });
}

/**
 * Sends `signal`, waits up to `timeoutMs` for the process to exit, then SIGKILLs it. Resolves with
 * its exit code (null when a signal ended it).
 */
export async function stop(proc: LaunchedProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> {
  if (!proc.running) return proc.exitInfo?.code ?? null;
  sendSignal(proc, signal);
  // A SIGSTOPped process keeps the signal pending until it is continued.
  sendSignal(proc, 'SIGCONT');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') sendSignal(proc, 'SIGKILL');
  return (await proc.exited).code;
}

/** Sends a signal if the process is still running; returns whether it was sent. */
export function sendSignal(proc: LaunchedProcess, signal: NodeJS.Signals): boolean {
  if (!proc.running || proc.pid === undefined) return false;
  try {
    process.kill(proc.pid, signal);
    return true;
  } catch {
    // Exited between the check and the kill: nothing left to signal.
    return false;
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `count` distinct TCP ports that were free on 127.0.0.1 a moment ago. All of them are held
 * until the last is picked: a port closed at once can be handed out again by the next pick
 * (seen in CI: the gateway was given the auth service's port).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      server.unref();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => {
      const address = server.address();
      if (typeof address !== 'object' || !address) throw new Error('could not read the bound port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

const COLORS: Record<string, string> = { auth: '36', user: '35', gateway: '32', start: '33' };
const PREFIX_WIDTH = '[gateway]'.length;

/** The `[name]` output prefix, padded so lines align, colored (by service: `user-1` as `user`) when `color` is true. */
export function prefixFor(name: string, color: boolean): string {
  const label = `[${name}]`.padEnd(PREFIX_WIDTH);
  return color ? `\u001b[${COLORS[name.replace(/-\d+$/, '')] ?? '90'}m${label}\u001b[0m` : label;
}

/** Polls the gateway's `/ready` until it answers 200 (both gRPC services reachable). */
export async function waitForGatewayReady(gatewayUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${gatewayUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway /ready was not 200 within ${timeoutMs} ms (last: ${last})`);
}
