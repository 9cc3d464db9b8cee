import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ghzBinary } from '../scripts/stack/go-tools';
import { projectRoot } from '../shared/paths';
import { trackRaw } from './children';
import { round, type LoadResult } from './load-result';

/** One ghz run. */
export interface GhzLoad {
  /** `host:port` of the gRPC server. */
  target: string;
  /** PEM files ghz dials with (mutual TLS): the CA, and the certificate and key of a service allowed to call; undefined: plaintext (a build from before mutual TLS). */
  tls: { ca: string; cert: string; key: string } | undefined;
  /** `package.Service/Method`. */
  call: string;
  /** The .proto file and its import root (no reflection round trip; works against servers without reflection). */
  proto: { file: string; importPath: string };
  data: Record<string, unknown>;
  metadata?: Record<string, string>;
  concurrency: number;
  durationS: number;
  /** ghz --cpus; 0 = its default (every core). */
  cpus: number;
  /** ghz --rps, requests per second over all workers; 0 = no limit (closed loop). */
  rps: number;
  /** When set, ghz sends this many calls (-n) instead of running for `durationS`. */
  requests?: number;
  /** Keep every answered call's latency (LoadResult.latenciesMs), in the order ghz recorded them. */
  keepLatencies?: boolean;
}

/** ghz's JSON report (-O json), the fields used here; times in nanoseconds. */
interface GhzReport {
  count: number;
  total: number;
  rps: number;
  latencyDistribution: Array<{ percentage: number; latency: number }> | null;
  statusCodeDistribution: Record<string, number> | null;
  errorDistribution: Record<string, number> | null;
  /** Every call, latency in nanoseconds. */
  details?: Array<{ latency: number; error: string; status: string }> | null;
}

/** ghz's flags for mutual TLS: trust `ca`, present `cert` and `key` (a service allowed to call). */
export function ghzTlsFlags(tls: { ca: string; cert: string; key: string }): string[] {
  return ['--cacert', tls.ca, '--cert', tls.cert, '--key', tls.key];
}

/**
 * The ghz command line for a load (also printed in the report so it can be rerun by hand). With
 * `metadataFile`, the metadata (the bearer token) is read from that file rather than shown in the
 * process list.
 */
export function ghzArgs(load: GhzLoad, metadataFile?: string): string[] {
  const args = [
    ...(load.tls ? ghzTlsFlags(load.tls) : ['--insecure']),
    '--call', load.call,
    '--proto', load.proto.file,
    '--import-paths', load.proto.importPath,
    '--data', JSON.stringify(load.data),
    '--concurrency', String(load.concurrency),
    ...(load.requests === undefined ? ['--duration', `${load.durationS}s`] : ['--total', String(load.requests)]),
    '--format', 'json',
  ];
  if (metadataFile) args.push('--metadata-file', metadataFile);
  else if (load.metadata) args.push('--metadata', JSON.stringify(load.metadata));
  if (load.cpus > 0) args.push('--cpus', String(load.cpus));
  if (load.rps > 0) args.push('--rps', String(load.rps));
  args.push(load.target);
  return args;
}

/**
 * Runs ghz and parses its report. `onStart` gets the pid (for CPU/RSS sampling); `signal` aborts
 * (the child is killed). A watchdog kills ghz if it overruns its duration by a minute.
 */
export function runGhz(load: GhzLoad, onStart?: (pid: number) => void, signal?: AbortSignal): Promise<LoadResult> {
  const tmp = load.metadata ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ghz-')) : undefined;
  const metadataFile = tmp ? path.join(tmp, 'metadata.json') : undefined;
  if (metadataFile) fs.writeFileSync(metadataFile, JSON.stringify(load.metadata), { mode: 0o600 });
  const cleanup = () => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };
  return new Promise<LoadResult>((resolve, reject) => {
    const child = trackRaw(spawn(ghzBinary, ghzArgs(load, metadataFile), { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
    if (child.pid !== undefined) onStart?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const watchdog = setTimeout(() => child.kill('SIGKILL'), (load.durationS + 60) * 1000);
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (err) => reject(new Error(`ghz could not start: ${err.message}`)));
    child.on('close', (code, sig) => {
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', abort);
      if (code !== 0) {
        reject(new Error(`ghz ${load.call} ended with ${sig ?? `code ${code}`}: ${stderr.trim().slice(0, 500)}`));
        return;
      }
      try {
        resolve(toResult(JSON.parse(stdout) as GhzReport, load));
      } catch (err) {
        reject(new Error(`ghz output was not a JSON report (${(err as Error).message}): ${stdout.slice(0, 300)}`));
      }
    });
  }).finally(cleanup);
}

// When -z runs out, ghz closes its connection under the calls still in flight (at most one per
// worker) and counts them as Unavailable errors. Those are the load generator stopping, not the
// server failing: they are reported apart, never more than `concurrency` of them.
const STOPPED_AT_END = /use of closed network connection|the client connection is closing|context canceled/;

function toResult(report: GhzReport, load: GhzLoad): LoadResult {
  const at = (p: number) => (report.latencyDistribution ?? []).find((d) => d.percentage === p)?.latency ?? 0;
  const statusCodes = { ...(report.statusCodeDistribution ?? {}) };
  const errorMessages = { ...(report.errorDistribution ?? {}) };
  let stoppedAtEnd = 0;
  for (const [message, n] of Object.entries(errorMessages)) {
    if (!STOPPED_AT_END.test(message)) continue;
    const take = Math.min(n, load.concurrency - stoppedAtEnd);
    if (take <= 0) break;
    stoppedAtEnd += take;
    if (n === take) delete errorMessages[message];
    else errorMessages[message] = n - take;
  }
  if (stoppedAtEnd && statusCodes.Unavailable !== undefined) {
    statusCodes.Unavailable -= Math.min(stoppedAtEnd, statusCodes.Unavailable);
    if (statusCodes.Unavailable === 0) delete statusCodes.Unavailable;
  }
  const count = report.count - stoppedAtEnd;
  const ok = statusCodes.OK ?? 0;
  return {
    rps: round(report.rps, 1),
    p50Ms: round(at(50) / 1e6, 3),
    p90Ms: round(at(90) / 1e6, 3),
    p99Ms: round(at(99) / 1e6, 3),
    count,
    errors: count - ok,
    stoppedAtEnd,
    statusCodes,
    errorMessages,
    durationS: report.total ? round(report.total / 1e9, 3) : load.durationS,
    ...(load.keepLatencies ? { latenciesMs: (report.details ?? []).filter((d) => d.status === 'OK' && !d.error).map((d) => d.latency / 1e6) } : {}),
  };
}
