import { fork } from 'node:child_process';
import path from 'node:path';
import { trackRaw } from './children';
import type { LoadResult } from './load-result';

/** One autocannon run. */
export interface HttpLoad {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  /** Requests per second over all connections (autocannon overallRate); 0 = as fast as answers come. */
  overallRate: number;
  durationS: number;
  /** Per-request timeout in seconds (counted as an error). */
  timeoutS: number;
}

type RunnerAnswer = { ok: true; result: LoadResult } | { ok: false; error: string };

/**
 * Runs autocannon (programmatically) in a forked process and resolves with its result. `onStart`
 * gets the pid for sampling; `signal` aborts. A watchdog kills it if it overruns by a minute.
 */
export function runHttpLoad(load: HttpLoad, onStart?: (pid: number) => void, signal?: AbortSignal): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = trackRaw(fork(path.join(__dirname, 'autocannon-runner.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    if (child.pid !== undefined) onStart?.(child.pid);
    let answer: RunnerAnswer | undefined;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), (load.durationS + load.timeoutS + 60) * 1000);
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.on('message', (m) => (answer = m as RunnerAnswer));
    child.on('error', (err) => reject(new Error(`autocannon runner could not start: ${err.message}`)));
    child.on('exit', (code, sig) => {
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', abort);
      if (answer?.ok) resolve(answer.result);
      else reject(new Error(`autocannon ${load.method} ${new URL(load.url).pathname}: ${answer?.error ?? `runner ended with ${sig ?? `code ${code}`}`}`));
    });
    child.send(load);
  });
}
