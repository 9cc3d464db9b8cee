import type { ChildProcess } from 'node:child_process';
import { sendSignal, spawnCommand, type LaunchedProcess, type OutputStream } from '../scripts/stack/launch';

// Every child the harness started and that is still running: whatever way the harness ends
// (an exception, Ctrl-C, a failed assertion in the smoke test), none is left behind.
const live = new Set<LaunchedProcess>();
const liveRaw = new Set<ChildProcess>();

process.on('exit', () => {
  for (const proc of live) sendSignal(proc, 'SIGKILL');
  for (const child of liveRaw) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Registers a launched process so it is killed if the harness exits while it runs. */
export function track(proc: LaunchedProcess): LaunchedProcess {
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

/** Registers a plain child process (a load generator) the same way. */
export function trackRaw(child: ChildProcess): ChildProcess {
  liveRaw.add(child);
  child.once('exit', () => liveRaw.delete(child));
  return child;
}

/** Options of {@link spawnTracked}. */
export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  onLine?: (line: string, stream: OutputStream) => void;
}

/**
 * Starts a command that is not one of the stack's `dist/<folder>/main.js` processes (Jaeger, the
 * echo server) as a {@link LaunchedProcess}, so `waitForReady`/`stop` from scripts/stack/launch
 * work on it too.
 */
export function spawnTracked(options: SpawnOptions): LaunchedProcess {
  // Quiet by default: the harness prints its own progress, not its children's output.
  return track(spawnCommand({ ...options, onLine: options.onLine ?? (() => undefined) }));
}

/** Kills every tracked child at once (SIGKILL); for an abort path where order does not matter. */
export function killAll(): void {
  for (const proc of live) sendSignal(proc, 'SIGKILL');
  for (const child of liveRaw) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
