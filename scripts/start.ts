// `npm start`: builds (via the npm script), then runs auth, user and gateway in one terminal with
// prefixed output. Ctrl-C stops them callers-first; if one dies, the rest are stopped too.
import { wantsColor } from './color';
import { PROCESS_SPECS, stopOrder, type ProcessName } from './stack/process-spec';
import {
  describeExit,
  launchProcess,
  prefixFor,
  sendSignal,
  stop,
  waitForReady,
  type LaunchedProcess,
  type OutputStream,
} from './stack/launch';
import { START_HOOKS, type StartContribution } from './stack/start-hooks';

const READY_TIMEOUT_MS = 30_000;
// Longer than the services' own drain (SHUTDOWN_TIMEOUT_MS, 10 s by default) so they can finish.
const STOP_TIMEOUT_MS = (Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000) + 5_000;

const color = wantsColor(process.stdout);
const running = new Map<ProcessName, LaunchedProcess>();
const contributions: StartContribution[] = [];
let stopping = false;

/** Prints a launcher message under the `[start]` prefix. */
function say(message: string, stream: OutputStream = 'stdout'): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefixFor('start', color)} ${message}\n`);
}

/** Prints a child's line as is after its prefix, so pino JSON stays greppable. */
function printer(name: ProcessName) {
  return (line: string, stream: OutputStream) => {
    (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefixFor(name, color)} ${line}\n`);
  };
}

/** Stops every running process callers-first, then the hooks' helpers. */
async function stopAll(): Promise<void> {
  for (const spec of stopOrder()) {
    const proc = running.get(spec.name);
    if (!proc) continue;
    if (!proc.running) continue;
    say(`stopping ${spec.name}`);
    await stop(proc, 'SIGTERM', STOP_TIMEOUT_MS);
    if (proc.exitInfo) say(`${spec.name} stopped (${describeExit(proc.exitInfo)})`);
  }
  for (const contribution of [...contributions].reverse()) {
    await contribution.afterStop?.().catch((err: unknown) => say(`hook cleanup failed: ${String(err)}`, 'stderr'));
  }
}

/** Stops everything once and exits with `code`. */
function shutdown(code: number, reason: string): void {
  if (stopping) return;
  stopping = true;
  say(reason);
  stopAll().then(
    () => process.exit(code),
    (err: unknown) => {
      say(`stop failed: ${String(err)}`, 'stderr');
      process.exit(1);
    },
  );
}

/** The environment one process gets: the hooks' additions over the launcher's own. */
function envFor(name: ProcessName): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of contributions) Object.assign(env, c.env, c.envFor?.[name]);
  return env;
}

/** The gateway's base URL, from its ready line (the port it really bound). */
function gatewayUrl(record: Record<string, unknown>): string {
  const port = typeof record.port === 'number' || typeof record.port === 'string' ? String(record.port) : process.env.GATEWAY_PORT ?? '8080';
  const rawHost = typeof record.host === 'string' ? record.host : process.env.GATEWAY_HOST ?? '127.0.0.1';
  // A wildcard bind is reachable on loopback; say so instead of printing 0.0.0.0.
  const host = rawHost === '0.0.0.0' || rawHost === '::' ? '127.0.0.1' : rawHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What to print once all three are ready. */
function banner(url: string): string[] {
  return [
    `all services ready; gateway listening on ${url}`,
    `  OpenAPI:  ${url}/openapi.json`,
    `  tRPC:     ${url}/trpc`,
    `  try:      curl -s -X POST ${url}/api/v1/auth/register -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}'`,
    ...contributions.flatMap((c) => c.readyLines ?? []).map((line) => `  ${line}`),
    'press Ctrl-C to stop',
  ];
}

async function main(): Promise<void> {
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  // The children run in their own process groups (so Ctrl-C reaches only us and we can stop them
  // in order); if we die without stopping them, take them down rather than orphan them.
  process.on('exit', () => {
    for (const proc of running.values()) sendSignal(proc, 'SIGKILL');
  });

  for (const hook of START_HOOKS) {
    const contribution = await hook.beforeStart();
    if (contribution) contributions.push(contribution);
  }

  let gatewayReady: Record<string, unknown> | undefined;
  for (const spec of PROCESS_SPECS) {
    if (stopping) return;
    const proc = launchProcess({ name: spec.name, folder: spec.folder, env: envFor(spec.name), onLine: printer(spec.name), detached: true });
    running.set(spec.name, proc);
    say(`${spec.name} started (pid ${String(proc.pid)})`);
    void proc.exited.then((info) => {
      if (!stopping) shutdown(1, `${spec.name} exited unexpectedly (${describeExit(info)}); stopping the others`);
    });
    const record = await waitForReady(proc, READY_TIMEOUT_MS);
    if (spec.name === 'gateway') gatewayReady = record;
  }
  if (stopping || !gatewayReady) return;
  for (const line of banner(gatewayUrl(gatewayReady))) say(line);
}

/** First signal: orderly stop and exit 0. Second: kill everything now. */
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    say(`${signal} again: killing everything now`, 'stderr');
    process.exit(1); // the 'exit' handler SIGKILLs the children
  }
  shutdown(0, `${signal} received; stopping gateway, user, auth`);
}

main().catch((err: unknown) => {
  // Once stopping, a pending readiness wait failing is expected, not news.
  if (stopping) return;
  say(err instanceof Error ? err.message : String(err), 'stderr');
  shutdown(1, 'start failed; stopping what was started');
});
