// Times HTTP requests one by one with the high-resolution clock, for the latency phase
// (latency-phase.ts): autocannon's percentiles are whole milliseconds, and the targets compare
// p50s that differ by tenths of one. The timing runs in a forked process (latency-runner.ts) so
// the harness's own work (reading the stacks' log lines) never delays it.
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { trackRaw } from './children';
import type { HttpLoad } from './http-load';

/** One request to time: a planned HTTP load's request (load-plan.ts). */
export type HttpTarget = Pick<HttpLoad, 'url' | 'method' | 'headers' | 'body'>;

/** Each target's answered requests' latencies (ms, to the microsecond) and its failed requests. */
export interface TimedRequests {
  latenciesMs: number[];
  errors: number;
}

/** What the runner does: blocks of sequential requests alternating between the targets, or every target at a fixed rate at once. */
export type TimingJob =
  | { kind: 'alternating'; targets: HttpTarget[]; block: number; requests: number }
  | { kind: 'rate'; targets: HttpTarget[]; rate: number; durationS: number };

// A request that has not answered in this time counts as failed (the gateway's own deadline is 5 s).
const REQUEST_TIMEOUT_MS = 10_000;

const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** Sends one request; resolves with its latency in ms from just before the send, or undefined when it failed. */
export function timeRequest(target: HttpTarget, agent: http.Agent): Promise<number | undefined> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request(target.url, { method: target.method, headers: target.headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode !== undefined && res.statusCode < 300 ? msSince(start) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end(target.body);
  });
}

const record = (into: TimedRequests, ms: number | undefined) => (ms === undefined ? into.errors++ : into.latenciesMs.push(ms));

/**
 * Concurrency 1, paired: `block` requests to the first target, then `block` to the next, and so
 * on until each had `requests`, each over its own keep-alive connection (opened by one untimed
 * request first). Whatever slows the machine for a moment hits the blocks on either side of it.
 */
export async function alternatingBlocks(targets: readonly HttpTarget[], block: number, requests: number): Promise<TimedRequests[]> {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const out = targets.map((): TimedRequests => ({ latenciesMs: [], errors: 0 }));
  try {
    for (const [i, target] of targets.entries()) await timeRequest(target, agents[i]!);
    for (let done = 0; done < requests; done += block) {
      for (const [i, target] of targets.entries()) {
        for (let n = 0; n < Math.min(block, requests - done); n++) record(out[i]!, await timeRequest(target, agents[i]!));
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return out;
}

/**
 * Open loop: `rate` requests a second to one target for `durationS`, each sent at its scheduled
 * time whether or not earlier ones have answered (connections are opened as needed), so a slow
 * answer never holds back the next request. A request is timed from its send: a timer fires up
 * to a millisecond late, which timing from the schedule would add to every request.
 */
export function openLoop(target: HttpTarget, rate: number, durationS: number): Promise<TimedRequests> {
  const agent = new http.Agent({ keepAlive: true });
  const out: TimedRequests = { latenciesMs: [], errors: 0 };
  const total = Math.max(1, Math.round(rate * durationS));
  const intervalMs = 1000 / rate;
  const pending: Promise<void>[] = [];
  const start = process.hrtime.bigint();
  return new Promise<void>((resolve) => {
    let sent = 0;
    const tick = () => {
      while (sent < total && sent * intervalMs <= msSince(start)) {
        pending.push(timeRequest(target, agent).then((ms) => void record(out, ms)));
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, sent * intervalMs - msSince(start)));
      else resolve();
    };
    tick();
  })
    .then(() => Promise.all(pending))
    .then(() => out)
    .finally(() => agent.destroy());
}

/** Runs a job in the current process. */
export async function runTimingJob(job: TimingJob): Promise<TimedRequests[]> {
  if (job.kind === 'alternating') return alternatingBlocks(job.targets, job.block, job.requests);
  return Promise.all(job.targets.map((t) => openLoop(t, job.rate, job.durationS)));
}

type RunnerAnswer = { ok: true; result: TimedRequests[] } | { ok: false; error: string };

/** Runs a job in a forked process (latency-runner.ts); a watchdog kills it if it overruns by a minute. */
export function runTimingJobForked(job: TimingJob, watchdogS: number): Promise<TimedRequests[]> {
  return new Promise((resolve, reject) => {
    const child = trackRaw(fork(path.join(__dirname, 'latency-runner.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    let answer: RunnerAnswer | undefined;
    const watchdog = setTimeout(() => child.kill('SIGKILL'), (watchdogS + 60) * 1000);
    child.on('message', (m) => (answer = m as RunnerAnswer));
    child.on('error', (err) => reject(new Error(`latency runner could not start: ${err.message}`)));
    child.on('exit', (code, sig) => {
      clearTimeout(watchdog);
      if (answer?.ok) resolve(answer.result);
      else reject(new Error(`latency runner (${job.kind}): ${answer?.error ?? `ended with ${sig ?? `code ${code}`}`}`));
    });
    child.send(job);
  });
}
