import type { SpanStats } from './bench-stack';
import type { CapacityOptions } from './cli';
import { CONFIG_NAMES, type ConfigName } from './configs';
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
   * the median over rounds of (gateway + user + auth CPU time over the load's window / calls).
   * For a ghz load straight at one service the others are idle
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

/** The whole report, as written to `<timestamp>.json`. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  aborted: boolean;
  options: Omit<CapacityOptions, 'outDir'>;
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
}

/** p50 through the gateway minus p50 straight at the user service. */
export interface GatewayOverhead {
  restP50Ms: number;
  ghzGetUserP50Ms: number;
  deltaMs: number;
}

const OWN_ROLES = ['gateway', 'user', 'auth'];

/** CPU µs per completed request of one sampled process during a measurement. */
function usPerRequest(m: Measurement, label: string): number | undefined {
  const ms = m.usage[label]?.cpuMs;
  return ms === undefined || !(m.result.count > 0) ? undefined : (ms * 1000) / m.result.count;
}

/** CPU µs per completed request of a measurement's own processes together (gateway + user + auth). */
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

const fmtUs = (n: number | undefined) => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
/** `--rate` as typed back: `rest-get-user=900, ghz-get-user=1500`. */
export function describeRates(rates: Partial<Record<string, number>> | undefined): string {
  return Object.entries(rates ?? {})
    .map(([load, rps]) => `${load}=${rps}`)
    .join(', ');
}

/** Renders the report as markdown (the `.md` file and latest.md). */
export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [];
  markdownHeader(report, out);
  markdownSummaryTable(report, out);
  markdownCpuTable(report, out);
  markdownErrors(report, out);
  markdownSpans(report, out);
  if (report.sink) out.push(`${sinkLine(report.sink)}.`, '');
  markdownGatewayOverhead(report, out);
  markdownConfigsAndLoads(report, out);
  return out.join('\n');
}

/** The title, how the run was shaped, the machine, and how to read the tables. */
function markdownHeader(report: BenchReport, out: string[]): void {
  const o = report.options;
  out.push(`# Benchmark ${report.startedAt}${report.aborted ? ' (ABORTED: partial)' : ''}`, '');
  out.push(
    `${o.smoke ? 'Smoke run. ' : ''}${o.rounds} round(s) x ${o.durationS} s per load, concurrency ${o.concurrency}, warm-up ${o.warmupS} s (round 1), ghz --cpus ${o.ghzCpus || 'all'}.${describeRates(o.rates) && ` Open loop at a fixed offered rate (requests a second, the same for every configuration): ${describeRates(o.rates)}.`}`,
    `Machine: ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}. Stacks: ${report.stackMode}.`,
    `Started ${report.startedAt}, finished ${report.finishedAt}.${Object.keys(report.spanProcessorEnv).length ? ` Span processor env: ${JSON.stringify(report.spanProcessorEnv)}.` : ''}`,
    '',
    'Medians across rounds; ratios are medians of per-round ratios against `off` in the same round. Latencies in ms.',
    'RSS: peak during the load (VmHWM reset at its start, and VmRSS sampled every 200 ms), max over rounds. CPU: % of one core, median over rounds.',
    '`CPU µs/req` = CPU time (user + system) of gateway + user + auth during the load / completed calls; `CPU/off` its paired ratio.',
    '`other` = CPU of every process not under load (idle stacks), `gen` = the load generator, `jaeger` / `sink` = the harness Jaeger / discard OTLP sink,',
    '`machine` = whole-machine busy % (of one core) / the part no sampled process accounts for (kernel networking, anyone else on the machine).',
    '',
  );
}

/** The main table: rates, latencies, errors, CPU and RSS of every load x configuration. */
function markdownSummaryTable(report: BenchReport, out: string[]): void {
  out.push(
    '| load | config | rps | rps/off | p50 | p50/off | p90 | p99 | errors/calls | CPU µs/req | CPU/off | RSS MB gw/user/auth | CPU% gw/user/auth | gen | jaeger | sink | other | machine |',
  );
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|');
  for (const r of report.summary) {
    const rss = OWN_ROLES.map((role) => {
      const p = r.processes[role];
      return p ? p.peakRssMb.toFixed(0) : '-';
    });
    const cpu = OWN_ROLES.map((role) => r.processes[role]?.cpuPct.toFixed(0) ?? '-');
    out.push(
      `| ${r.load} | ${r.config} | ${r.rps.toFixed(1)} | ${fmtRatio(r.rpsRatio)} | ${fmtMs(r.p50Ms)} | ${fmtRatio(r.p50Ratio)} | ${fmtMs(r.p90Ms)} | ${fmtMs(r.p99Ms)} | ${r.errors}/${r.count} | ${fmtUs(r.cpuUsPerRequest)} | ${fmtRatio(r.cpuRatio)} | ${rss.join(' / ')} | ${cpu.join(' / ')} | ${r.loadGenCpuPct.toFixed(0)} | ${r.jaegerCpuPct?.toFixed(0) ?? '-'} | ${r.sinkCpuPct?.toFixed(0) ?? '-'} | ${r.othersCpuPct.toFixed(1)} | ${r.machineBusyPct?.toFixed(0) ?? '-'} / ${r.unaccountedCpuPct?.toFixed(0) ?? '-'} |`,
    );
  }
  out.push('');

}

/** CPU per request, per process. */
function markdownCpuTable(report: BenchReport, out: string[]): void {
  out.push('## CPU per request (µs of CPU time per completed call, median over rounds)', '');
  out.push(
    'Own processes: gateway + user + auth, all counted even when a ghz load calls one service directly (the others idle). `jaeger` / `sink`: the',
    'backend\'s CPU per call of the load, busy only for configurations exporting to it. `gen`: the load generator.',
    '',
  );
  out.push('| load | config | gw+user+auth | CPU/off | gateway | user | auth | jaeger | sink | gen |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.summary) {
    const own = OWN_ROLES.map((role) => fmtUs(r.processes[role]?.cpuUsPerRequest));
    out.push(
      `| ${r.load} | ${r.config} | ${fmtUs(r.cpuUsPerRequest)} | ${fmtRatio(r.cpuRatio)} | ${own.join(' | ')} | ${fmtUs(r.jaegerCpuUsPerRequest)} | ${fmtUs(r.sinkCpuUsPerRequest)} | ${fmtUs(r.loadGenCpuUsPerRequest)} |`,
    );
  }
  out.push('');

}

/** The status codes and messages of the loads that had errors (nothing when none had). */
function markdownErrors(report: BenchReport, out: string[]): void {
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

}

/** The span counts each process reported at shutdown. */
function markdownSpans(report: BenchReport, out: string[]): void {
  out.push('## Spans (from each process\'s `telemetry stats` line at shutdown, whole run)', '');
  out.push('| config | ended | exported | failed | dropped | per process (exported/dropped) |', '|---|---:|---:|---:|---:|---|');
  for (const [config, s] of Object.entries(report.spans)) {
    if (!s) continue;
    const per = Object.entries(s.processes)
      .map(([role, p]) => `${role} ${p?.exported ?? 0}/${p?.dropped ?? 0}`)
      .join(', ');
    out.push(`| ${config} | ${s.total.ended} | ${s.total.exported} | ${s.total.failed} | ${s.total.dropped} | ${per} |`);
  }
  out.push('');

}

/** The gateway's own latency, loaded and unloaded, where both REST and ghz loads ran. */
function markdownGatewayOverhead(report: BenchReport, out: string[]): void {
  const o = report.options;
  for (const [g, when] of [
    [report.gatewayOverhead, `at c=${o.concurrency}`],
    [report.gatewayOverheadUnloaded, 'unloaded (c=1)'],
  ] as const) {
    if (!g) continue;
    out.push(`Gateway overhead (off, ${when}): REST GET /api/v1/users/:id p50 ${fmtMs(g.restP50Ms)} ms - ghz GetUser p50 ${fmtMs(g.ghzGetUserP50Ms)} ms = **${g.deltaMs.toFixed(2)} ms**.`, '');
  }

}

/** Each configuration with its environment, and each load with its command. */
function markdownConfigsAndLoads(report: BenchReport, out: string[]): void {
  out.push('## Configurations and loads', '');
  for (const c of report.configs) {
    const env = c.env && Object.keys(c.env).length ? `  \n  ${Object.entries(c.env).map(([k, v]) => `\`${k}=${v}\``).join(' ')}` : '';
    out.push(`- \`${c.name}\`: ${c.description}${env}`);
  }
  for (const l of report.loads) out.push(`- \`${l.name}\`: ${l.description}${l.command ? `  \n  \`${l.command}\`` : ''}`);
  out.push('');
}

/** What the sink counted, in one line. */
function sinkLine(sink: SinkStats): string {
  const mb = sink.bytes / 2 ** 20;
  const perPost = sink.requests ? sink.bytes / sink.requests / 1024 : 0;
  return `OTLP sink (whole run): ${sink.requests} POST /v1/traces answered, ${mb.toFixed(1)} MB received (${perPost.toFixed(1)} KB per POST)${sink.otherRequests ? `, ${sink.otherRequests} other requests` : ''}`;
}

/** The terminal summary: the table's key columns. */
export function renderTerminal(report: BenchReport): string {
  const out: string[] = [''];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  const w = Math.max(20, ...report.summary.map((r) => r.config.length + 2));
  out.push(
    `${pad('load', 19)}${pad('config', w)}${lpad('rps', 9)}${lpad('x off', 7)}${lpad('p50', 8)}${lpad('x off', 7)}${lpad('p99', 8)}${lpad('errors', 8)}${lpad('CPU µs/req', 12)}${lpad('x off', 7)}${lpad('jaeger%', 9)}${lpad('sink%', 7)}  peak RSS MB (gw/user/auth)`,
  );
  for (const r of report.summary) {
    out.push(
      `${pad(r.load, 19)}${pad(r.config, w)}${lpad(r.rps.toFixed(1), 9)}${lpad(fmtRatio(r.rpsRatio), 7)}${lpad(fmtMs(r.p50Ms), 8)}${lpad(fmtRatio(r.p50Ratio), 7)}${lpad(fmtMs(r.p99Ms), 8)}${lpad(String(r.errors), 8)}${lpad(fmtUs(r.cpuUsPerRequest), 12)}${lpad(fmtRatio(r.cpuRatio), 7)}${lpad(r.jaegerCpuPct?.toFixed(0) ?? '-', 9)}${lpad(r.sinkCpuPct?.toFixed(0) ?? '-', 7)}  ${OWN_ROLES
        .map((role) => r.processes[role]?.peakRssMb.toFixed(0) ?? '-')
        .join('/')}`,
    );
  }
  out.push('');
  for (const [config, s] of Object.entries(report.spans)) {
    if (s) out.push(`spans ${pad(config, w)} exported ${s.total.exported}, dropped ${s.total.dropped}, failed ${s.total.failed} (ended ${s.total.ended})`);
  }
  if (report.sink) out.push(sinkLine(report.sink));
  if (report.gatewayOverhead) out.push(`gateway overhead (off, p50, c=${report.options.concurrency}): ${report.gatewayOverhead.deltaMs.toFixed(2)} ms`);
  if (report.gatewayOverheadUnloaded) out.push(`gateway overhead (off, p50, c=1): ${report.gatewayOverheadUnloaded.deltaMs.toFixed(2)} ms`);
  return out.join('\n');
}

/** The loads' descriptions for the report. */
export function describeLoads(names: LoadName[], commands: Partial<Record<LoadName, string>>): BenchReport['loads'] {
  return names.map((name) => ({ name, description: LOADS[name].description, command: commands[name] }));
}
