import { get, type HttpResult } from './http';

/**
 * Sends GETs of `url` as `token` with `concurrency` in flight: `total` of them, or, given a
 * function, for as long as it says more are wanted. `during(done)` runs as each completes (to
 * stop or kill an instance part-way). A request that gets no answer at all counts as status 0.
 */
export async function loadGets(
  url: string,
  token: string,
  total: number | (() => boolean),
  concurrency: number,
  during?: (done: number) => Promise<void> | void,
): Promise<HttpResult[]> {
  const results: HttpResult[] = [];
  let sent = 0;
  const more = typeof total === 'number' ? () => sent < total : total;
  const worker = async () => {
    while (more()) {
      sent++;
      const res = await get(url, { token, timeoutMs: 10_000 }).catch(
        (err: unknown): HttpResult => ({ status: 0, headers: new Headers(), body: String(err), elapsedMs: 0 }),
      );
      results.push(res);
      await during?.(results.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** The status codes among `results` that are not 200, with how often each came. */
export function failures(results: readonly HttpResult[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) if (r.status !== 200) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}
