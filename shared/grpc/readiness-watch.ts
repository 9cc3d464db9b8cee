import type { Logger } from '../logging/logger';

/** How often a dependency is checked: a database outage shows in readiness within about this long. */
export const READINESS_CHECK_INTERVAL_MS = 1000;

/**
 * Runs `check` now and then every `intervalMs` (one at a time, never overlapping) and calls
 * `onChange` when its outcome flips: false after a failure, true after a success. Returns stop().
 */
export function watchReadiness(
  check: () => Promise<void>,
  onChange: (ready: boolean) => void,
  logger: Logger,
  intervalMs: number = READINESS_CHECK_INTERVAL_MS,
): () => void {
  let ready = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    let ok = true;
    let failure: unknown;
    try {
      await check();
    } catch (err) {
      ok = false;
      failure = err;
    }
    if (stopped) return;
    if (ok !== ready) {
      ready = ok;
      if (ok) logger.info('dependency check passes again: serving');
      else logger.warn({ err: { message: (failure as Error)?.message, code: (failure as { code?: string })?.code } }, 'dependency check failed: not serving');
      onChange(ok);
    }
    timer = setTimeout(run, intervalMs);
    // Readiness polling alone must not keep a process alive.
    timer.unref();
  };
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
