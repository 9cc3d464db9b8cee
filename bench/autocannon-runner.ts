// Runs one autocannon load in a process of its own (forked by http-load.ts), so the harness's
// own work (reading the services' log lines, sampling /proc) never delays the load generator's
// event loop and skews its latencies. Receives an HttpLoad over IPC, answers with a LoadResult.
import { percentile, round, type LoadResult } from './load-result';
import type { HttpLoad } from './http-load';

/** The autocannon API surface used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  on(event: 'reqError', listener: (err: Error) => void): void;
  stop(): void;
}
type Autocannon = (
  opts: Record<string, unknown>,
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = require('autocannon') as Autocannon;

function run(load: HttpLoad): Promise<LoadResult> {
  // autocannon's own histogram keeps whole milliseconds; the latencies are kept here instead, at
  // full resolution, because the targets compare p50s that differ by fractions of a millisecond.
  const latencies: number[] = [];
  const errorMessages: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: load.method,
        headers: load.headers,
        body: load.body,
        connections: load.connections,
        ...(load.overallRate > 0 ? { overallRate: load.overallRate } : {}),
        duration: load.durationS,
        timeout: load.timeoutS,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
        const count = Object.values(statusCodes).reduce((a, b) => a + b, 0);
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          rps: round(count / result.duration, 1),
          p50Ms: round(percentile(sorted, 50), 3),
          p90Ms: round(percentile(sorted, 90), 3),
          p99Ms: round(percentile(sorted, 99), 3),
          count,
          errors: result.non2xx + result.errors,
          statusCodes,
          errorMessages,
          durationS: result.duration,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
    instance.on('reqError', (err) => {
      const key = err.message || err.name;
      errorMessages[key] = (errorMessages[key] ?? 0) + 1;
    });
    process.once('SIGTERM', () => instance.stop());
  });
}

process.once('message', (message: unknown) => {
  run(message as HttpLoad).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: (err as Error).message ?? String(err) }, () => process.exit(1)),
  );
});
