import type { SpanStats } from './bench-stack';
import type { BenchOptions } from './cli';
import { CONFIGS, CONFIG_NAMES, type ConfigName } from './configs';
import { median, round, type LoadResult } from './load-result';
import { LOADS, LOAD_NAMES, type LoadName } from './loads';
import type { SinkStats } from './otlp-sink';
import type { MachineUsage, ProcUsage } from './proc-sampler';

/** One measured (round, config, load). */
export interface Measurement {
  round: number;
  config: ConfigName;
  load: LoadName;
  /** Concurrency it ran at (lower than asked only for a capped load under --smoke). */
  concurrency: number;
  result: LoadResult;
  /** Usage of every sampled process, by label (`<config>/<role>`, `jaeger`, `loadgen`, `harness`). */
  usage: Record<string, ProcUsage>;
  /** The whole machine over the same window. */
  machine?: MachineUsage;
  /** How long the harness waited for the processes to go idle before this load. */
  quiesceMs: number;
  /** Machine busy % (of one core) just before the load started. */
  idleBeforePct: number;
  /** Which attempt this is (a disturbed attempt is measured again; the least disturbed is kept). */
  attempt: number;
  /** When it started (ISO). */
  startedAt: string;
}

/** The medians of one (config, load) across rounds, with ratios against `off`. */
export interface SummaryRow {
  config: ConfigName;
  load: LoadName;
  rounds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Sum over rounds. */
  errors: number;
  count: number;
  /** Median over rounds of (this rps / off rps in the same round). */
  rpsRatio?: number;
  /** Median over rounds of (this p50 / off p50 in the same round). */
  p50Ratio?: number;
  /**
   * CPU time (user + system) of the configuration's own processes per completed request, in µs:
   * the median over rounds of (gateway + user + auth CPU time over the load's window / calls), or
   * the echo server's for `ceiling`. For a ghz load straight at one service the others are idle
   * but still counted (the sum is the whole stack's cost of a call).
   */
  cpuUsPerRequest?: number;
  /** Median over rounds of (this cpuUsPerRequest / off's in the same round). */
  cpuRatio?: number;
  /**
   * Per role of the configuration's own processes: peak RSS during the load (max over rounds of
   * the higher of sampled VmRSS and the window's VmHWM), the sampled peak alone, median CPU%, and
   * median CPU µs per completed request.
   */
  processes: Record<string, { peakRssMb: number; sampledPeakRssMb: number; cpuPct: number; cpuUsPerRequest?: number }>;
  loadGenCpuPct: number;
  loadGenCpuUsPerRequest?: number;
  /** The harness Jaeger and the discard sink (shared by every configuration; busy only for those exporting to it). */
  jaegerCpuPct?: number;
  jaegerCpuUsPerRequest?: number;
  sinkCpuPct?: number;
  sinkCpuUsPerRequest?: number;
  /** CPU% of every process not under load (the idle stacks): shows whether they interfere. */
  othersCpuPct: number;
  harnessCpuPct: number;
  /** Median whole-machine busy % (of one core; 200 = both of 2 cores) and the part no sampled process accounts for. */
  machineBusyPct?: number;
  unaccountedCpuPct?: number;
  stealPct?: number;
  /** The statuses seen, summed over rounds. */
  statusCodes: Record<string, number>;
  errorMessages: Record<string, number>;
}

/** One target line: PASS, MISS, or n/a when the run did not measure it. */
export interface TargetLine {
  target: string;
  verdict: 'PASS' | 'MISS' | 'n/a';
  detail: string;
}

/** The whole report, as written to `<timestamp>.json`. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  aborted: boolean;
  options: Omit<BenchOptions, 'outDir'>;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  /** How the configurations' processes were arranged while one was under load. */
  stackMode: string;
  /** OTEL_BSP_* passed through to the processes, if any. */
  spanProcessorEnv: Record<string, string>;
  /** The configurations, with the tracing environment their stack processes got. */
  configs: Array<{ name: ConfigName; description: string; env?: Record<string, string> }>;
  loads: Array<{ name: LoadName; description: string; command?: string }>;
  measurements: Measurement[];
  summary: SummaryRow[];
  /** Per configuration: each process's `telemetry stats` line and their sum. */
  spans: Partial<Record<ConfigName, { processes: Partial<Record<string, SpanStats>>; total: SpanStats }>>;
  /** What the discard OTLP sink counted over the whole run (when one ran). */
  sink?: SinkStats;
  /** REST GET /users/:id p50 minus ghz GetUser p50, config off, at the run's concurrency. */
  gatewayOverhead?: GatewayOverhead;
  /** The same at concurrency 1: the gateway's own cost per request, without queueing. */
  gatewayOverheadUnloaded?: GatewayOverhead;
  targets: TargetLine[];
}

/** p50 through the gateway minus p50 straight at the user service. */
export interface GatewayOverhead {
  restP50Ms: number;
  ghzGetUserP50Ms: number;
  deltaMs: number;
}

const OWN_ROLES = ['gateway', 'user', 'auth', 'echo'];

/**
 * CPU ms a sampled process used during a measurement. Reports written before `cpuMs` existed
 * only have CPU%: their window was the load's duration plus a fraction of a second.
 */
function cpuMsOf(m: Measurement, label: string): number | undefined {
  const u = m.usage[label];
  if (!u) return undefined;
  return u.cpuMs ?? (u.cpuPct / 100) * m.result.durationS * 1000;
}

/** CPU µs per completed request of one sampled process during a measurement. */
function usPerRequest(m: Measurement, label: string): number | undefined {
  const ms = cpuMsOf(m, label);
  return ms === undefined || !(m.result.count > 0) ? undefined : (ms * 1000) / m.result.count;
}

/** CPU µs per completed request of a measurement's own processes together (gateway + user + auth, or echo). */
export function ownCpuUsPerRequest(m: Measurement): number | undefined {
  const per = OWN_ROLES.map((role) => usPerRequest(m, `${m.config}/${role}`)).filter((v): v is number => v !== undefined);
  return per.length ? per.reduce((a, b) => a + b, 0) : undefined;
}

/**
 * The per-round ratios pick(config) / pick(base) for one load, pairing each round of `config`
 * with the same round of `base` (skipping rounds where either is missing or the base is 0).
 */
export function pairedRatios(
  measurements: Measurement[],
  config: ConfigName,
  base: ConfigName,
  load: LoadName,
  pick: (m: Measurement) => number | undefined,
): number[] {
  return measurements
    .filter((m) => m.config === config && m.load === load)
    .flatMap((m) => {
      const b = measurements.find((x) => x.config === base && x.load === load && x.round === m.round);
      const num = pick(m);
      const den = b ? pick(b) : undefined;
      return num !== undefined && den !== undefined && den > 0 ? [num / den] : [];
    });
}

const defined = (values: Array<number | undefined>) => values.filter((v): v is number => v !== undefined);
const medianOrUndefined = (values: number[], digits: number) => (values.length ? round(median(values), digits) : undefined);

/** Summarises measurements per (config, load): medians across rounds, paired ratios against `off`. */
export function summarize(measurements: Measurement[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const load of LOAD_NAMES) {
    for (const config of CONFIG_NAMES) {
      const runs = measurements.filter((m) => m.config === config && m.load === load);
      if (runs.length === 0) continue;
      const againstOff = (pick: (m: Measurement) => number | undefined) =>
        config === 'off' ? undefined : medianOrUndefined(pairedRatios(measurements, config, 'off', load, pick), 3);

      const processes: SummaryRow['processes'] = {};
      for (const role of OWN_ROLES) {
        const label = `${config}/${role}`;
        const usages = runs.map((m) => m.usage[label]).filter((u): u is ProcUsage => u !== undefined);
        if (usages.length === 0) continue;
        processes[role] = {
          peakRssMb: Math.max(...usages.map((u) => Math.max(u.peakRssMb, u.hwmRssMb))),
          sampledPeakRssMb: Math.max(...usages.map((u) => u.peakRssMb)),
          cpuPct: round(median(usages.map((u) => u.cpuPct)), 1),
          cpuUsPerRequest: medianOrUndefined(defined(runs.map((m) => usPerRequest(m, label))), 1),
        };
      }
      const others = runs.map((m) =>
        Object.entries(m.usage)
          .filter(([label]) => label.includes('/') && !label.startsWith(`${config}/`))
          .reduce((sum, [, u]) => sum + u.cpuPct, 0),
      );
      const usageOf = (label: string) => runs.map((m) => m.usage[label]?.cpuPct).filter((v): v is number => v !== undefined);
      const sumCodes = (pick: (r: LoadResult) => Record<string, number>) => {
        const out: Record<string, number> = {};
        for (const m of runs) for (const [k, v] of Object.entries(pick(m.result))) out[k] = (out[k] ?? 0) + v;
        return out;
      };
      rows.push({
        config,
        load,
        rounds: runs.length,
        rps: round(median(runs.map((m) => m.result.rps)), 1),
        p50Ms: round(median(runs.map((m) => m.result.p50Ms)), 3),
        p90Ms: round(median(runs.map((m) => m.result.p90Ms)), 3),
        p99Ms: round(median(runs.map((m) => m.result.p99Ms)), 3),
        errors: runs.reduce((s, m) => s + m.result.errors, 0),
        count: runs.reduce((s, m) => s + m.result.count, 0),
        rpsRatio: againstOff((m) => m.result.rps),
        p50Ratio: againstOff((m) => m.result.p50Ms),
        cpuUsPerRequest: medianOrUndefined(defined(runs.map(ownCpuUsPerRequest)), 1),
        cpuRatio: againstOff(ownCpuUsPerRequest),
        processes,
        loadGenCpuPct: round(median(usageOf('loadgen')), 1),
        loadGenCpuUsPerRequest: medianOrUndefined(defined(runs.map((m) => usPerRequest(m, 'loadgen'))), 1),
        jaegerCpuPct: medianOrUndefined(usageOf('jaeger'), 1),
        jaegerCpuUsPerRequest: medianOrUndefined(defined(runs.map((m) => usPerRequest(m, 'jaeger'))), 1),
        sinkCpuPct: medianOrUndefined(usageOf('sink'), 1),
        sinkCpuUsPerRequest: medianOrUndefined(defined(runs.map((m) => usPerRequest(m, 'sink'))), 1),
        othersCpuPct: round(median(others), 1),
        harnessCpuPct: round(median(usageOf('harness')), 1),
        ...machineMedians(runs),
        statusCodes: sumCodes((r) => r.statusCodes),
        errorMessages: sumCodes((r) => r.errorMessages),
      });
    }
  }
  return rows;
}

function machineMedians(runs: Measurement[]): Pick<SummaryRow, 'machineBusyPct' | 'unaccountedCpuPct' | 'stealPct'> {
  const machines = runs.map((m) => m.machine).filter((m): m is MachineUsage => m !== undefined);
  if (machines.length === 0) return {};
  return {
    machineBusyPct: round(median(machines.map((m) => m.busyPct)), 1),
    unaccountedCpuPct: round(median(machines.map((m) => m.unaccountedPct)), 1),
    stealPct: round(median(machines.map((m) => m.stealPct)), 1),
  };
}

/** Sums each configuration's per-process span counts. */
export function spanTotals(perConfig: Partial<Record<ConfigName, Partial<Record<string, SpanStats>>>>): BenchReport['spans'] {
  const out: BenchReport['spans'] = {};
  for (const [config, processes] of Object.entries(perConfig) as Array<[ConfigName, Partial<Record<string, SpanStats>>]>) {
    const total: SpanStats = { ended: 0, exported: 0, failed: 0, dropped: 0 };
    for (const s of Object.values(processes)) {
      if (!s) continue;
      total.ended += s.ended;
      total.exported += s.exported;
      total.failed += s.failed;
      total.dropped += s.dropped;
    }
    out[config] = { processes, total };
  }
  return out;
}

/** p50 of a REST GET /users/:id load minus p50 of a ghz GetUser load straight at the user service, both with tracing off. */
export function gatewayOverhead(rows: SummaryRow[], restLoad: LoadName, ghzLoad: LoadName): GatewayOverhead | undefined {
  const rest = rows.find((r) => r.config === 'off' && r.load === restLoad);
  const ghz = rows.find((r) => r.config === 'off' && r.load === ghzLoad);
  if (!rest || !ghz) return undefined;
  return { restP50Ms: rest.p50Ms, ghzGetUserP50Ms: ghz.p50Ms, deltaMs: round(rest.p50Ms - ghz.p50Ms, 3) };
}

const fmtRatio = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(3));
const fmtMs = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** The loads the throughput, latency and CPU targets are judged on. */
const TARGET_LOADS: readonly LoadName[] = ['rest-get-user', 'trpc-get-user', 'ghz-get-user', 'ghz-validate-token'];
/** The unloaded (c=1) latency probes. */
const UNLOADED_LOADS: readonly LoadName[] = ['rest-get-user-c1', 'ghz-get-user-c1'];

const fmtUs = (n: number | undefined) => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const loadNote = (load: LoadName) =>
  load === 'rest-get-user' || load === 'trpc-get-user' ? ' (end to end)' : load.startsWith('ghz-') ? ' (direct)' : '';

/**
 * The row of (config, load) and off's, or why they cannot be compared: undefined when the pair
 * did not run (no line), a string when the line is n/a.
 */
function comparable(rows: SummaryRow[], config: ConfigName, load: LoadName): { row: SummaryRow; base: SummaryRow } | string | undefined {
  const row = rows.find((r) => r.config === config && r.load === load);
  if (!row) return undefined;
  const base = rows.find((r) => r.config === 'off' && r.load === load);
  if (!base) return 'no off baseline in this run';
  // A load that mostly fails (login at c=50 timing out) compares timeouts, not tracing cost.
  const failing = [row, base].filter((r) => r.errors > r.count * 0.01);
  if (failing.length) {
    return `the load fails (${failing.map((r) => `${r.config} ${r.errors}/${r.count} errors`).join(', ')}): its ratios say nothing about tracing`;
  }
  return { row, base };
}

/** "gw 300 + user 320 + auth 190" for a row's own processes. */
function cpuParts(row: SummaryRow): string {
  return Object.entries(row.processes)
    .map(([role, p]) => `${role === 'gateway' ? 'gw' : role} ${fmtUs(p.cpuUsPerRequest)}`)
    .join(' + ');
}

/**
 * Evaluates the project's targets against the summary (and, for the off-vs-bare pairing, the
 * measurements). Nothing is asserted: lines say PASS, MISS or n/a with the numbers.
 */
export function evaluateTargets(
  rows: SummaryRow[],
  overhead: GatewayOverhead | undefined,
  overheadUnloaded: GatewayOverhead | undefined,
  options: Omit<BenchOptions, 'outDir'>,
  measurements: Measurement[] = [],
): TargetLine[] {
  const lines: TargetLine[] = [];
  const closedLoopAtTarget = options.concurrency >= 50 && options.durationS >= 30;
  // An offered rate is the same for every configuration: that load's rps ratios are 1 by construction.
  const rates = describeRates(options.rates);
  const atTargetConditions = closedLoopAtTarget && !rates;
  /** Whether `load` ran as the targets define it: closed loop, c >= 50, >= 30 s. */
  const atTargetFor = (load: LoadName) => closedLoopAtTarget && !options.rates?.[load];
  const conditions = `c=${options.concurrency}${rates ? ` at a fixed offered rate (${rates})` : ''}, ${options.durationS} s x ${options.rounds} round(s)`;
  const notAtTarget = ` [measured at ${conditions}, not the target's c=50 x 30 s]`;

  // CPU per request: the machine's cost of tracing, whatever the latency does.
  for (const [config, maxRatio] of [
    ['on-1.0-sink', 1.05],
    ['on-1.0', 1.05],
    ['on-0.1-sink', 1.02],
    ['on-0.1', 1.02],
  ] as const) {
    for (const load of TARGET_LOADS) {
      const c = comparable(rows, config, load);
      if (c === undefined) continue;
      const target = `${config}: CPU per request <= ${maxRatio.toFixed(2)}x off on ${load}${loadNote(load)}${options.rates?.[load] ? ` (equal load: ${options.rates[load]} rps offered)` : ''}`;
      if (typeof c === 'string') {
        lines.push({ target, verdict: 'n/a', detail: c });
        continue;
      }
      const { row, base } = c;
      if (row.cpuRatio === undefined) {
        lines.push({ target, verdict: 'n/a', detail: 'no CPU time per request in this report' });
        continue;
      }
      lines.push({
        target,
        verdict: row.cpuRatio <= maxRatio ? 'PASS' : 'MISS',
        detail: `CPU ratio ${fmtRatio(row.cpuRatio)} (<= ${maxRatio.toFixed(2)}); ${fmtUs(row.cpuUsPerRequest)} µs/req (${cpuParts(row)}) vs off ${fmtUs(base.cpuUsPerRequest)} (${cpuParts(base)})`,
      });
    }
  }

  // Throughput and latency under load: the sink is the target; real Jaeger shares the 2 cores
  // with the stack (it decodes and stores every span), so its lines are informational.
  for (const [config, note] of [
    ['on-1.0-sink', ''],
    ['on-1.0', ' (informational: real Jaeger on the same cores)'],
  ] as const) {
    for (const load of TARGET_LOADS) {
      const c = comparable(rows, config, load);
      if (c === undefined) continue;
      const target = `${config}: rps >= 0.95x and p50 <= 1.05x off at c=50 on ${load}${loadNote(load)}${note}`;
      if (typeof c === 'string') {
        lines.push({ target, verdict: 'n/a', detail: c });
        continue;
      }
      const { row, base } = c;
      if (row.rpsRatio === undefined || row.p50Ratio === undefined) {
        lines.push({ target, verdict: 'n/a', detail: 'no paired off rounds' });
        continue;
      }
      const pass = row.rpsRatio >= 0.95 && row.p50Ratio <= 1.05;
      const numbers = `rps ratio ${fmtRatio(row.rpsRatio)} (>= 0.95), p50 ratio ${fmtRatio(row.p50Ratio)} (<= 1.05); rps ${row.rps} vs ${base.rps}, p50 ${fmtMs(row.p50Ms)} vs ${fmtMs(base.p50Ms)} ms`;
      lines.push(
        atTargetFor(load)
          ? { target, verdict: pass ? 'PASS' : 'MISS', detail: numbers }
          : { target, verdict: 'n/a', detail: `${pass ? 'PASS' : 'MISS'} at these settings: ${numbers}${notAtTarget}` },
      );
    }
  }

  // Unloaded latency: what tracing adds to one request, without queueing.
  for (const config of ['on-1.0-sink', 'on-1.0'] as const) {
    for (const load of UNLOADED_LOADS) {
      const c = comparable(rows, config, load);
      if (c === undefined) continue;
      const target = `${config}: p50 <= 1.05x off unloaded (c=1) on ${load}`;
      if (typeof c === 'string') {
        lines.push({ target, verdict: 'n/a', detail: c });
        continue;
      }
      const { row, base } = c;
      if (row.p50Ratio === undefined) {
        lines.push({ target, verdict: 'n/a', detail: 'no paired off rounds' });
        continue;
      }
      lines.push({
        target,
        verdict: row.p50Ratio <= 1.05 ? 'PASS' : 'MISS',
        detail: `p50 ratio ${fmtRatio(row.p50Ratio)} (<= 1.05); p50 ${fmtMs(row.p50Ms)} vs ${fmtMs(base.p50Ms)} ms (+${(row.p50Ms - base.p50Ms).toFixed(3)} ms); CPU ${fmtUs(row.cpuUsPerRequest)} vs ${fmtUs(base.cpuUsPerRequest)} µs/req`,
      });
    }
  }

  for (const [o, label, needs] of [
    [overhead, `gateway adds <= 1 ms p50 over ghz GetUser direct (off, c=${options.concurrency})`, 'rest-get-user and ghz-get-user'],
    [overheadUnloaded, 'gateway adds <= 1 ms p50 over ghz GetUser direct (off, unloaded c=1)', 'rest-get-user-c1 and ghz-get-user-c1'],
  ] as const) {
    lines.push(
      o
        ? {
            target: label,
            verdict: o.deltaMs <= 1 ? 'PASS' : 'MISS',
            detail: `REST p50 ${fmtMs(o.restP50Ms)} ms - ghz GetUser p50 ${fmtMs(o.ghzGetUserP50Ms)} ms = ${o.deltaMs.toFixed(2)} ms`,
          }
        : { target: label, verdict: 'n/a', detail: `needs off x ${needs}` },
    );
  }

  for (const load of LOAD_NAMES) {
    const loadRows = rows.filter((r) => r.load === load);
    if (loadRows.length === 0 || LOADS[load].fixedConcurrency !== undefined) continue;
    const failing = loadRows.filter((r) => r.errors > 0);
    const atTarget = atTargetFor(load);
    const detail = loadRows.map((r) => `${r.config} ${r.errors}/${r.count}`).join(', ') + (atTarget ? '' : notAtTarget);
    lines.push({
      target: `zero errors at c=50 for 30 s on ${load}`,
      verdict: failing.length ? 'MISS' : atTarget ? 'PASS' : 'n/a',
      detail: `errors/calls: ${detail}`,
    });
  }

  for (const config of CONFIG_NAMES) {
    if (CONFIGS[config].kind !== 'stack') continue;
    const cfgRows = rows.filter((r) => r.config === config);
    if (cfgRows.length === 0) continue;
    const worst = (among: SummaryRow[]) => {
      const peaks: Record<string, { rss: number; load: string }> = {};
      for (const row of among) {
        for (const [role, p] of Object.entries(row.processes)) {
          if (!peaks[role] || p.peakRssMb > peaks[role].rss) peaks[role] = { rss: p.peakRssMb, load: row.load };
        }
      }
      return peaks;
    };
    const peaks = worst(cfgRows);
    const over = Object.values(peaks).some((p) => p.rss > 200);
    // Login hashes passwords (argon2id, 19 MiB per hash in flight): say what the other loads alone reach too.
    const withoutLogin = cfgRows.some((r) => r.load === 'rest-login') ? worst(cfgRows.filter((r) => r.load !== 'rest-login')) : undefined;
    lines.push({
      target: `peak RSS of each process <= 200 MB under load (${config})`,
      verdict: over ? 'MISS' : 'PASS',
      detail:
        Object.entries(peaks)
          .map(([role, p]) => `${role} ${p.rss.toFixed(0)} MB (on ${p.load})`)
          .join(', ') +
        (withoutLogin
          ? `; without rest-login: ${Object.entries(withoutLogin)
              .map(([role, p]) => `${role} ${p.rss.toFixed(0)}`)
              .join(', ')} MB`
          : ''),
    });
  }

  // Jaeger down: exporting fails for the whole run, requests must not.
  const downRows = rows.filter((r) => r.config === 'on-1.0-jaeger-down');
  if (downRows.length) {
    const errors = downRows.reduce((sum, r) => sum + r.errors, 0);
    lines.push({
      target: 'no failed requests with Jaeger down (on-1.0-jaeger-down, every load)',
      verdict: errors > 0 ? 'MISS' : 'PASS',
      detail: `errors/calls: ${downRows.map((r) => `${r.load} ${r.errors}/${r.count}`).join(', ')}${atTargetConditions ? '' : notAtTarget}`,
    });
  }

  // `off` must cost what no OpenTelemetry at all costs: paired round by round with `bare`.
  for (const load of LOAD_NAMES) {
    const off = rows.find((r) => r.config === 'off' && r.load === load);
    const bare = rows.find((r) => r.config === 'bare' && r.load === load);
    if (!off || !bare) continue;
    const target = `off equals bare on ${load}: off rps >= 0.97x bare and CPU/request <= 1.03x bare`;
    const failing = [off, bare].filter((r) => r.errors > r.count * 0.01);
    if (failing.length) {
      lines.push({ target, verdict: 'n/a', detail: `the load fails (${failing.map((r) => `${r.config} ${r.errors}/${r.count} errors`).join(', ')})` });
      continue;
    }
    const rpsRatio = medianOrUndefined(pairedRatios(measurements, 'off', 'bare', load, (m) => m.result.rps), 3);
    const cpuRatio = medianOrUndefined(pairedRatios(measurements, 'off', 'bare', load, ownCpuUsPerRequest), 3);
    if (rpsRatio === undefined || cpuRatio === undefined) {
      lines.push({ target, verdict: 'n/a', detail: 'no paired rounds of off and bare (or no CPU time) in this report' });
      continue;
    }
    lines.push({
      target,
      verdict: rpsRatio >= 0.97 && cpuRatio <= 1.03 ? 'PASS' : 'MISS',
      detail: `off/bare rps ${fmtRatio(rpsRatio)} (>= 0.97), CPU/req ${fmtRatio(cpuRatio)} (<= 1.03); off ${off.rps} rps ${fmtUs(off.cpuUsPerRequest)} µs/req, bare ${bare.rps} rps ${fmtUs(bare.cpuUsPerRequest)} µs/req`,
    });
  }
  return lines;
}

/** `--rate` as typed back: `rest-get-user=900, ghz-get-user=1500`. */
export function describeRates(rates: Partial<Record<string, number>> | undefined): string {
  return Object.entries(rates ?? {})
    .map(([load, rps]) => `${load}=${rps}`)
    .join(', ');
}

/** Renders the report as markdown (the `.md` file and latest.md). */
export function renderMarkdown(report: BenchReport): string {
  const o = report.options;
  const out: string[] = [];
  out.push(`# Benchmark ${report.startedAt}${report.aborted ? ' (ABORTED: partial)' : ''}`, '');
  out.push(
    `${o.smoke ? 'Smoke run. ' : ''}${o.rounds} round(s) x ${o.durationS} s per load, concurrency ${o.concurrency}, warm-up ${o.warmupS} s (round 1), ghz --cpus ${o.ghzCpus || 'all'}.${describeRates(o.rates) && ` Open loop at a fixed offered rate (requests a second, the same for every configuration): ${describeRates(o.rates)}.`}`,
    `Machine: ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}. Stacks: ${report.stackMode}.`,
    `Started ${report.startedAt}, finished ${report.finishedAt}.${Object.keys(report.spanProcessorEnv).length ? ` Span processor env: ${JSON.stringify(report.spanProcessorEnv)}.` : ''}`,
    '',
    'Medians across rounds; ratios are medians of per-round ratios against `off` in the same round. Latencies in ms.',
    'RSS: peak during the load (VmHWM reset at its start, and VmRSS sampled every 200 ms), max over rounds. CPU: % of one core, median over rounds.',
    '`CPU µs/req` = CPU time (user + system) of gateway + user + auth (echo for `ceiling`) during the load / completed calls; `CPU/off` its paired ratio.',
    '`other` = CPU of every process not under load (idle stacks), `gen` = the load generator, `jaeger` / `sink` = the harness Jaeger / discard OTLP sink,',
    '`machine` = whole-machine busy % (of one core) / the part no sampled process accounts for (kernel networking, anyone else on the machine).',
    '',
  );
  const rolesOf = (r: SummaryRow) => (r.config === 'ceiling' ? ['echo'] : ['gateway', 'user', 'auth']);
  out.push(
    '| load | config | rps | rps/off | p50 | p50/off | p90 | p99 | errors/calls | CPU µs/req | CPU/off | RSS MB gw/user/auth | CPU% gw/user/auth | gen | jaeger | sink | other | machine |',
  );
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|');
  for (const r of report.summary) {
    const roles = rolesOf(r);
    const rss = roles.map((role) => {
      const p = r.processes[role];
      return p ? p.peakRssMb.toFixed(0) : '-';
    });
    const cpu = roles.map((role) => r.processes[role]?.cpuPct.toFixed(0) ?? '-');
    out.push(
      `| ${r.load} | ${r.config} | ${r.rps.toFixed(1)} | ${fmtRatio(r.rpsRatio)} | ${fmtMs(r.p50Ms)} | ${fmtRatio(r.p50Ratio)} | ${fmtMs(r.p90Ms)} | ${fmtMs(r.p99Ms)} | ${r.errors}/${r.count} | ${fmtUs(r.cpuUsPerRequest)} | ${fmtRatio(r.cpuRatio)} | ${rss.join(' / ')} | ${cpu.join(' / ')} | ${r.loadGenCpuPct.toFixed(0)} | ${r.jaegerCpuPct?.toFixed(0) ?? '-'} | ${r.sinkCpuPct?.toFixed(0) ?? '-'} | ${r.othersCpuPct.toFixed(1)} | ${r.machineBusyPct?.toFixed(0) ?? '-'} / ${r.unaccountedCpuPct?.toFixed(0) ?? '-'} |`,
    );
  }
  out.push('');

  out.push('## CPU per request (µs of CPU time per completed call, median over rounds)', '');
  out.push(
    'Own processes: gateway + user + auth, all counted even when a ghz load calls one service directly (the others idle). `jaeger` / `sink`: the',
    'backend\'s CPU per call of the load, busy only for configurations exporting to it. `gen`: the load generator.',
    '',
  );
  out.push('| load | config | gw+user+auth | CPU/off | gateway | user | auth | jaeger | sink | gen |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.summary) {
    const own = r.config === 'ceiling' ? [`echo ${fmtUs(r.processes.echo?.cpuUsPerRequest)}`, '-', '-'] : ['gateway', 'user', 'auth'].map((role) => fmtUs(r.processes[role]?.cpuUsPerRequest));
    out.push(
      `| ${r.load} | ${r.config} | ${fmtUs(r.cpuUsPerRequest)} | ${fmtRatio(r.cpuRatio)} | ${own.join(' | ')} | ${fmtUs(r.jaegerCpuUsPerRequest)} | ${fmtUs(r.sinkCpuUsPerRequest)} | ${fmtUs(r.loadGenCpuUsPerRequest)} |`,
    );
  }
  out.push('');

  const withErrors = report.summary.filter((r) => r.errors > 0);
  if (withErrors.length) {
    out.push('Errors by status / message:', '');
    for (const r of withErrors) {
      const codes = Object.entries(r.statusCodes).map(([k, v]) => `${k}: ${v}`).join(', ');
      const msgs = Object.entries(r.errorMessages).slice(0, 3).map(([k, v]) => `"${k.slice(0, 80)}": ${v}`).join(', ');
      out.push(`- ${r.load} / ${r.config}: ${codes}${msgs ? `; ${msgs}` : ''}`);
    }
    out.push('');
  }

  out.push('## Spans (from each process\'s `telemetry stats` line at shutdown, whole run)', '');
  out.push('| config | ended | exported | failed | dropped | per process (exported/dropped) |', '|---|---:|---:|---:|---:|---|');
  for (const [config, s] of Object.entries(report.spans)) {
    if (!s) continue;
    const per = Object.entries(s.processes)
      .map(([role, p]) => `${role} ${p?.exported ?? 0}/${p?.dropped ?? 0}`)
      .join(', ');
    const note = neverExports(report, config) ? ' (TRACING_EXPORTER=none: not exported by design)' : '';
    out.push(`| ${config} | ${s.total.ended} | ${s.total.exported} | ${s.total.failed} | ${s.total.dropped}${note} | ${per} |`);
  }
  out.push('');

  if (report.sink) out.push(`${sinkLine(report.sink)}.`, '');

  for (const [g, when] of [
    [report.gatewayOverhead, `at c=${o.concurrency}`],
    [report.gatewayOverheadUnloaded, 'unloaded (c=1)'],
  ] as const) {
    if (!g) continue;
    out.push(`Gateway overhead (off, ${when}): REST GET /api/v1/users/:id p50 ${fmtMs(g.restP50Ms)} ms - ghz GetUser p50 ${fmtMs(g.ghzGetUserP50Ms)} ms = **${g.deltaMs.toFixed(2)} ms**.`, '');
  }

  out.push('## Targets', '');
  for (const t of report.targets) out.push(`- **${t.verdict}** ${t.target}: ${t.detail}`);
  out.push('');

  out.push('## Configurations and loads', '');
  for (const c of report.configs) {
    const env = c.env && Object.keys(c.env).length ? `  \n  ${Object.entries(c.env).map(([k, v]) => `\`${k}=${v}\``).join(' ')}` : '';
    out.push(`- \`${c.name}\`: ${c.description}${env}`);
  }
  for (const l of report.loads) out.push(`- \`${l.name}\`: ${l.description}${l.command ? `  \n  \`${l.command}\`` : ''}`);
  out.push('');
  return out.join('\n');
}

/** Whether a configuration ran with TRACING_EXPORTER=none (its ended spans all count as dropped). */
function neverExports(report: BenchReport, config: string): boolean {
  return report.configs.find((c) => c.name === config)?.env?.TRACING_EXPORTER === 'none';
}

/** What the sink counted, in one line. */
function sinkLine(sink: SinkStats): string {
  const mb = sink.bytes / 2 ** 20;
  const perPost = sink.requests ? sink.bytes / sink.requests / 1024 : 0;
  return `OTLP sink (whole run): ${sink.requests} POST /v1/traces answered, ${mb.toFixed(1)} MB received (${perPost.toFixed(1)} KB per POST)${sink.otherRequests ? `, ${sink.otherRequests} other requests` : ''}`;
}

/** The terminal summary: the table's key columns and the target lines. */
export function renderTerminal(report: BenchReport): string {
  const out: string[] = [''];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  const w = Math.max(20, ...report.summary.map((r) => r.config.length + 2));
  out.push(
    `${pad('load', 19)}${pad('config', w)}${lpad('rps', 9)}${lpad('x off', 7)}${lpad('p50', 8)}${lpad('x off', 7)}${lpad('p99', 8)}${lpad('errors', 8)}${lpad('CPU µs/req', 12)}${lpad('x off', 7)}${lpad('jaeger%', 9)}${lpad('sink%', 7)}  peak RSS MB (gw/user/auth)`,
  );
  for (const r of report.summary) {
    const roles = r.config === 'ceiling' ? ['echo'] : ['gateway', 'user', 'auth'];
    out.push(
      `${pad(r.load, 19)}${pad(r.config, w)}${lpad(r.rps.toFixed(1), 9)}${lpad(fmtRatio(r.rpsRatio), 7)}${lpad(fmtMs(r.p50Ms), 8)}${lpad(fmtRatio(r.p50Ratio), 7)}${lpad(fmtMs(r.p99Ms), 8)}${lpad(String(r.errors), 8)}${lpad(fmtUs(r.cpuUsPerRequest), 12)}${lpad(fmtRatio(r.cpuRatio), 7)}${lpad(r.jaegerCpuPct?.toFixed(0) ?? '-', 9)}${lpad(r.sinkCpuPct?.toFixed(0) ?? '-', 7)}  ${roles
        .map((role) => r.processes[role]?.peakRssMb.toFixed(0) ?? '-')
        .join('/')}`,
    );
  }
  out.push('');
  for (const [config, s] of Object.entries(report.spans)) {
    if (s) out.push(`spans ${pad(config, w)} exported ${s.total.exported}, dropped ${s.total.dropped}, failed ${s.total.failed} (ended ${s.total.ended})${neverExports(report, config) ? ' [TRACING_EXPORTER=none: "dropped" = not exported by design]' : ''}`);
  }
  if (report.sink) out.push(sinkLine(report.sink));
  if (report.gatewayOverhead) out.push(`gateway overhead (off, p50, c=${report.options.concurrency}): ${report.gatewayOverhead.deltaMs.toFixed(2)} ms`);
  if (report.gatewayOverheadUnloaded) out.push(`gateway overhead (off, p50, c=1): ${report.gatewayOverheadUnloaded.deltaMs.toFixed(2)} ms`);
  out.push('');
  for (const t of report.targets) out.push(`${t.verdict.padEnd(4)}  ${t.target}: ${t.detail}`);
  return out.join('\n');
}

/** The loads' descriptions for the report. */
export function describeLoads(names: LoadName[], commands: Partial<Record<LoadName, string>>): BenchReport['loads'] {
  return names.map((name) => ({ name, description: LOADS[name].description, command: commands[name] }));
}
