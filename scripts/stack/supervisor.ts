import { describeExit, stop, type LaunchedProcess } from './launch';

/** How many times a minute a supervised process is restarted before its supervisor gives up on it. */
export const MAX_RESTARTS = 5;

const RESTART_WINDOW_MS = 60_000;

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /**
   * Starts the process and resolves once it is ready; rejects (having stopped it, or left it to
   * the owner's stop) when it cannot get ready. The same call starts it the first time and again.
   */
  start: () => Promise<LaunchedProcess>;
  /** Whether an exit now is to be followed by a restart: false once the owner is stopping. */
  active: () => boolean;
  /** Where the restart puts it, for messages (`on the same ports`, `on port 50151`). */
  where: string;
  /** Reports an exit, a restart or giving up (without the process's name: the owner prefixes it). */
  onMessage: (message: string) => void;
  /**
   * Called once when it exited and will not run again: it exited {@link MAX_RESTARTS} times
   * within a minute, or a restart failed. The owner decides whether the rest can go on.
   */
  onGiveUp?: (reason: string) => void;
  /** How long a process restarted while the owner was stopping gets to stop (default 10 s). */
  stopTimeoutMs?: number;
}

/** A process kept running by {@link supervise}. */
export interface Supervised {
  /** The current process (a new one after each restart). */
  current(): LaunchedProcess;
  /** How many times it was restarted after exiting. */
  restarts(): number;
}

/**
 * Starts a process and restarts it, the same way, each time it exits while its owner is active:
 * the one way the launcher keeps its instances and the collector tier its samplers running.
 * Rejects when the first start does; at most {@link MAX_RESTARTS} restarts a minute, after that
 * (or when a restart fails) it reports through `onGiveUp` and leaves the process down.
 */
export async function supervise(options: SuperviseOptions): Promise<Supervised> {
  let proc = await options.start();
  let restarts = 0;
  let recent: number[] = [];

  const giveUp = (reason: string) => {
    options.onMessage(reason);
    options.onGiveUp?.(reason);
  };
  const restart = async (reason: string) => {
    options.onMessage(`${reason}; restarting it ${options.where}`);
    try {
      proc = await options.start();
    } catch (err) {
      giveUp(`restart failed: ${(err as Error).message}`);
      return;
    }
    restarts++;
    if (options.active()) watch();
    else await stop(proc, 'SIGTERM', options.stopTimeoutMs ?? 10_000);
  };
  const watch = () => {
    void proc.exited.then(async (info) => {
      if (!options.active()) return;
      const now = Date.now();
      recent = recent.filter((t) => now - t < RESTART_WINDOW_MS);
      if (recent.length >= MAX_RESTARTS) {
        giveUp(`exited (${describeExit(info)}) ${MAX_RESTARTS} times within a minute: not restarted again`);
        return;
      }
      recent.push(now);
      await restart(`exited (${describeExit(info)})`);
    });
  };
  watch();
  return { current: () => proc, restarts: () => restarts };
}
