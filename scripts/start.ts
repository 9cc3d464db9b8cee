// `npm start`: builds (via the npm script), then runs the services and the gateway
// (scripts/stack/process-spec.ts) in one terminal with prefixed output. Ctrl-C stops them
// callers-first; one that dies is restarted on its port while the others keep serving
// (scripts/stack/supervisor.ts), and only one that cannot run again stops the rest.
// `npm start -- --replicas N` runs N instances of each service (scripts/stack/replicas.ts);
// `--collector` runs the two-tier trace pipeline of deploy/ instead of one Jaeger, `--collector N`
// N tail-sampling collectors behind a load balancer routing by trace id (collector-hook.ts).
import { wantsColor } from './color';
import { PROCESS_SPECS, specFor, stopOrder, urlEnvOf, type StackProcess } from './stack/process-spec';
import { configuredAddress, localHttpUrl } from './stack/placement';
import { parseStartArgs, planInstances, type InstancePlan, type ServicePlacement } from './stack/replicas';
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
import { collectorHook } from './stack/collector-hook';
import { devPkiHook } from './stack/dev-pki-hook';
import { goToolsHook } from './stack/go-tools-hook';
import { jaegerHook } from './stack/jaeger-hook';
import type { StartContribution } from './stack/start-hook';
import { supervise } from './stack/supervisor';

const READY_TIMEOUT_MS = 30_000;
// Longer than the services' own drain (SHUTDOWN_TIMEOUT_MS, 10 s by default) so they can finish.
const STOP_TIMEOUT_MS = (Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000) + 5_000;

const color = wantsColor(process.stdout);
// Every instance started, by label (`user`, or `user-1` with replicas), in start order: the
// process running it now (a new one after a restart).
const running = new Map<string, { plan: InstancePlan; proc: LaunchedProcess }>();
const contributions: StartContribution[] = [];
let stopping = false;

/** Prints a launcher message under the `[start]` prefix. */
function say(message: string, stream: OutputStream = 'stdout'): void {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefixFor('start', color)} ${message}\n`);
}

/** Prints a child's line as is after its prefix, so pino JSON stays greppable. */
function printer(name: string) {
  return (line: string, stream: OutputStream) => {
    (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefixFor(name, color)} ${line}\n`);
  };
}

/** Stops every running process callers-first (the instances of one service together), then the hooks' helpers. */
async function stopAll(): Promise<void> {
  for (const spec of stopOrder()) {
    const instances = [...running.values()].filter((r) => r.plan.name === spec.name && r.proc.running);
    await Promise.all(
      instances.map(async ({ plan, proc }) => {
        say(`stopping ${plan.label}`);
        await stop(proc, 'SIGTERM', STOP_TIMEOUT_MS);
        if (proc.exitInfo) say(`${plan.label} stopped (${describeExit(proc.exitInfo)})`);
      }),
    );
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

/** The environment one instance gets: its own settings (port, replica index, from planInstances) over the hooks' additions. */
function envFor(plan: InstancePlan): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of contributions) Object.assign(env, c.env, c.envFor?.[plan.name]);
  return { ...env, ...plan.env };
}

/** Where a service is configured to listen: environment over its config.yaml over the default, as it reads it. */
function placementOf(spec: StackProcess): ServicePlacement {
  return { name: spec.name, hostEnv: spec.hostEnv, portEnv: spec.portEnv, ...configuredAddress(spec), calls: spec.calls };
}

/** The gateway's base URL, from its ready line (the port it really bound). */
function gatewayUrl(record: Record<string, unknown>): string {
  const port = typeof record.port === 'number' || typeof record.port === 'string' ? String(record.port) : process.env.GATEWAY_PORT ?? '8080';
  const host = typeof record.host === 'string' ? record.host : process.env.GATEWAY_HOST ?? '127.0.0.1';
  return localHttpUrl(host, port);
}

/** What to print once every process is ready. */
function banner(url: string, plans: readonly InstancePlan[]): string[] {
  const gateway = plans.find((p) => p.name === 'gateway');
  const replicated = gateway && plans.length > PROCESS_SPECS.length;
  return [
    `all services ready; gateway listening on ${url}`,
    ...(replicated ? specFor('gateway').calls.map((name) => `  ${`${name}:`.padEnd(9)} ${gateway.env[urlEnvOf(name)]}`) : []),
    `  OpenAPI:  ${url}/openapi.json`,
    `  tRPC:     ${url}/trpc`,
    `  try:      curl -s -X POST ${url}/api/v1/auth/register -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}'`,
    ...contributions.flatMap((c) => c.readyLines ?? []).map((line) => `  ${line}`),
    'press Ctrl-C to stop',
  ];
}

async function main(): Promise<void> {
  // Before anything starts, so a bad flag or port costs nothing to undo.
  const args = parseStartArgs(process.argv.slice(2));
  const plans = planInstances(args.replicas, PROCESS_SPECS.map(placementOf));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  // The children run in their own process groups (so Ctrl-C reaches only us and we can stop them
  // in order); if we die without stopping them, take them down rather than orphan them.
  process.on('exit', () => {
    for (const { proc } of running.values()) sendSignal(proc, 'SIGKILL');
  });

  // Before auth starts, in order: the services' certificates (mutual TLS), the Go tools, then the
  // trace collector (one in-memory Jaeger, or with `--collector [N]` the collector tier). Their
  // env reaches the processes, their readyLines
  // are printed with the gateway address, and their afterStop runs after auth has stopped.
  for (const hook of [devPkiHook, goToolsHook, args.collector ? collectorHook(args.samplers) : jaegerHook]) {
    const contribution = await hook.beforeStart();
    if (contribution) contributions.push(contribution);
  }

  // One at a time, each ready before the next: callers start after what they call, and two
  // instances never migrate one SQLite file at the same moment.
  for (const plan of plans) {
    if (stopping) return;
    await supervise({
      start: () => startInstance(plan),
      active: () => !stopping,
      where: restartPlace(plan),
      onMessage: (message) => say(`${plan.label} ${message}`, 'stderr'),
      onGiveUp: () => shutdown(1, `${plan.label} cannot run again; stopping the others`),
      stopTimeoutMs: STOP_TIMEOUT_MS,
    });
  }
  const gatewayReady = [...running.values()].find((r) => r.plan.name === 'gateway')?.proc.readyRecord;
  if (stopping || !gatewayReady) return;
  for (const line of banner(gatewayUrl(gatewayReady), plans)) say(line);
}

/**
 * Starts one instance and resolves once it is ready. It is in `running` from its first moment,
 * so a stop reaches it even while it starts; one that is not ready in time is left to that stop.
 */
async function startInstance(plan: InstancePlan): Promise<LaunchedProcess> {
  const proc = launchProcess({ name: plan.label, folder: specFor(plan.name).folder, env: envFor(plan), onLine: printer(plan.label), detached: true });
  running.set(plan.label, { plan, proc });
  say(`${plan.label} started (pid ${String(proc.pid)})`);
  await waitForReady(proc, READY_TIMEOUT_MS);
  return proc;
}

/** Where a restarted instance listens, for the restart message: the port it was planned on. */
function restartPlace(plan: InstancePlan): string {
  const port = plan.env[specFor(plan.name).portEnv];
  return port && port !== '0' ? `on port ${port}` : 'on a free port';
}

/** First signal: orderly stop and exit 0. Second: kill everything now. */
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    say(`${signal} again: killing everything now`, 'stderr');
    process.exit(1); // the 'exit' handler SIGKILLs the children
  }
  shutdown(0, `${signal} received; stopping ${stopOrder().map((s) => s.name).join(', ')}`);
}

main().catch((err: unknown) => {
  // Once stopping, a pending readiness wait failing is expected, not news.
  if (stopping) return;
  say(err instanceof Error ? err.message : String(err), 'stderr');
  shutdown(1, 'start failed; stopping what was started');
});
