import type { SpanStats } from './bench-stack';
import type { BenchOptions } from './cli';
import { CONFIGS, CONFIG_NAMES, type ConfigName } from './configs';
import { median, round, type LoadResult } from './load-result';
import { LOADS, LOAD_NAMES, type LoadName } from './loads';
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
   * Per role of the configuration's own processes: peak RSS during the load (max over rounds of
   * the higher of sampled VmRSS and the window's VmHWM), the sampled peak alone, and median CPU%.
   */
  processes: Record<string, { peakRssMb: number; sampledPeakRssMb: number; cpuPct: number }>;
  loadGenCpuPct: number;
  jaegerCpuPct?: number;
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
  configs: Array<{ name: ConfigName; description: string }>;
  loads: Array<{ name: LoadName; description: string; command?: string }>;
  measurements: Measurement[];
  summary: SummaryRow[];
  /** Per configuration: each process's `telemetry stats` line and their sum. */
  spans: Partial<Record<ConfigName, { processes: Partial<Record<string, SpanStats>>; total: SpanStats }>>;
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

/** Summarises measurements per (config, load): medians across rounds, paired ratios against `off`. */
export function summarize(measurements: Measurement[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const load of LOAD_NAMES) {
    for (const config of CONFIG_NAMES) {
      const runs = measurements.filter((m) => m.config === config && m.load === load);
      if (runs.length === 0) continue;
      const baseline = (round: number) => measurements.find((m) => m.config === 'off' && m.load === load && m.round === round);
      const ratios = (pick: (r: LoadResult) => number) =>
        runs.flatMap((m) => {
          const base = baseline(m.round);
          return base && pick(base.result) > 0 ? [pick(m.result) / pick(base.result)] : [];
        });
      const rpsRatios = ratios((r) => r.rps);
      const p50Ratios = ratios((r) => r.p50Ms);

      const processes: SummaryRow['processes'] = {};
      for (const role of OWN_ROLES) {
        const usages = runs.map((m) => m.usage[`${config}/${role}`]).filter((u): u is ProcUsage => u !== undefined);
        if (usages.length === 0) continue;
        processes[role] = {
          peakRssMb: Math.max(...usages.map((u) => Math.max(u.peakRssMb, u.hwmRssMb))),
          sampledPeakRssMb: Math.max(...usages.map((u) => u.peakRssMb)),
          cpuPct: round(median(usages.map((u) => u.cpuPct)), 1),
        };
      }
      const others = runs.map((m) =>
        Object.entries(m.usage)
          .filter(([label]) => label.includes('/') && !label.startsWith(`${config}/`))
          .reduce((sum, [, u]) => sum + u.cpuPct, 0),
      );
      const usageOf = (label: string) => runs.map((m) => m.usage[label]?.cpuPct).filter((v): v is number => v !== undefined);
      const jaeger = usageOf('jaeger');
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
        rpsRatio: config !== 'off' && rpsRatios.length ? round(median(rpsRatios), 3) : undefined,
        p50Ratio: config !== 'off' && p50Ratios.length ? round(median(p50Ratios), 3) : undefined,
        processes,
        loadGenCpuPct: round(median(usageOf('loadgen')), 1),
        jaegerCpuPct: jaeger.length ? round(median(jaeger), 1) : undefined,
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

/** Evaluates the issue's targets against the summary. Nothing is asserted: lines say PASS or MISS with the numbers. */
export function evaluateTargets(
  rows: SummaryRow[],
  overhead: GatewayOverhead | undefined,
  overheadUnloaded: GatewayOverhead | undefined,
  options: Omit<BenchOptions, 'outDir'>,
): TargetLine[] {
  const lines: TargetLine[] = [];
  const atTargetConditions = options.concurrency >= 50 && options.durationS >= 30;
  const conditions = `c=${options.concurrency}, ${options.durationS} s x ${options.rounds} round(s)`;

  for (const [config, maxCost] of [['on-1.0', 0.05], ['on-0.1', 0.02]] as const) {
    for (const load of LOAD_NAMES) {
      const row = rows.find((r) => r.config === config && r.load === load);
      if (!row) continue;
      const endToEnd = load === 'rest-get-user' || load === 'trpc-get-user';
      const label = `tracing ${config.slice(3)} costs <= ${maxCost * 100}% rps and p50 on ${load}${endToEnd ? ' (end to end)' : ''}`;
      if (row.rpsRatio === undefined || row.p50Ratio === undefined) {
        lines.push({ target: label, verdict: 'n/a', detail: 'no off baseline in this run' });
        continue;
      }
      // A load that mostly fails (login at c=50 times out) compares timeouts, not tracing cost.
      const base = rows.find((r) => r.config === 'off' && r.load === load);
      const failing = [row, base].filter((r): r is SummaryRow => r !== undefined && r.errors > r.count * 0.01);
      if (failing.length) {
        lines.push({
          target: label,
          verdict: 'n/a',
          detail: `the load fails (${failing.map((r) => `${r.config} ${r.errors}/${r.count} errors`).join(', ')}): its ratios say nothing about tracing`,
        });
        continue;
      }
      const pass = row.rpsRatio >= 1 - maxCost && row.p50Ratio <= 1 + maxCost;
      lines.push({
        target: label,
        verdict: pass ? 'PASS' : 'MISS',
        detail: `rps ratio ${fmtRatio(row.rpsRatio)} (>= ${(1 - maxCost).toFixed(2)}), p50 ratio ${fmtRatio(row.p50Ratio)} (<= ${(1 + maxCost).toFixed(2)}); rps ${row.rps}, p50 ${fmtMs(row.p50Ms)} ms`,
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
    const detail =
      loadRows.map((r) => `${r.config} ${r.errors}/${r.count}`).join(', ') +
      (atTargetConditions ? '' : ` [measured at ${conditions}, not the target's c=50 x 30 s]`);
    lines.push({
      target: `zero errors at c=50 for 30 s on ${load}`,
      verdict: failing.length ? 'MISS' : atTargetConditions ? 'PASS' : 'n/a',
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
  return lines;
}

/** Renders the report as markdown (the `.md` file and latest.md). */
export function renderMarkdown(report: BenchReport): string {
  const o = report.options;
  const out: string[] = [];
  out.push(`# Benchmark ${report.startedAt}${report.aborted ? ' (ABORTED: partial)' : ''}`, '');
  out.push(
    `${o.smoke ? 'Smoke run. ' : ''}${o.rounds} round(s) x ${o.durationS} s per load, concurrency ${o.concurrency}, warm-up ${o.warmupS} s (round 1), ghz --cpus ${o.ghzCpus || 'all'}.`,
    `Machine: ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, Node ${report.machine.node}. Stacks: ${report.stackMode}.`,
    `Started ${report.startedAt}, finished ${report.finishedAt}.${Object.keys(report.spanProcessorEnv).length ? ` Span processor env: ${JSON.stringify(report.spanProcessorEnv)}.` : ''}`,
    '',
    'Medians across rounds; ratios are medians of per-round ratios against `off` in the same round. Latencies in ms.',
    'RSS: peak during the load (VmHWM reset at its start, and VmRSS sampled every 200 ms), max over rounds. CPU: % of one core, median over rounds.',
    '`other` = CPU of every process not under load (idle stacks), `gen` = the load generator, `jaeger` = the harness Jaeger,',
    '`machine` = whole-machine busy % (of one core) / the part no sampled process accounts for (kernel networking, anyone else on the machine).',
    '',
  );
  out.push('| load | config | rps | rps/off | p50 | p50/off | p90 | p99 | errors/calls | RSS MB gw/user/auth | CPU% gw/user/auth | gen | jaeger | other | machine |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|');
  for (const r of report.summary) {
    const roles = r.config === 'ceiling' ? ['echo'] : ['gateway', 'user', 'auth'];
    const rss = roles.map((role) => {
      const p = r.processes[role];
      return p ? p.peakRssMb.toFixed(0) : '-';
    });
    const cpu = roles.map((role) => r.processes[role]?.cpuPct.toFixed(0) ?? '-');
    out.push(
      `| ${r.load} | ${r.config} | ${r.rps.toFixed(1)} | ${fmtRatio(r.rpsRatio)} | ${fmtMs(r.p50Ms)} | ${fmtRatio(r.p50Ratio)} | ${fmtMs(r.p90Ms)} | ${fmtMs(r.p99Ms)} | ${r.errors}/${r.count} | ${rss.join(' / ')} | ${cpu.join(' / ')} | ${r.loadGenCpuPct.toFixed(0)} | ${r.jaegerCpuPct?.toFixed(0) ?? '-'} | ${r.othersCpuPct.toFixed(1)} | ${r.machineBusyPct?.toFixed(0) ?? '-'} / ${r.unaccountedCpuPct?.toFixed(0) ?? '-'} |`,
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
    out.push(`| ${config} | ${s.total.ended} | ${s.total.exported} | ${s.total.failed} | ${s.total.dropped} | ${per} |`);
  }
  out.push('');

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
  for (const c of report.configs) out.push(`- \`${c.name}\`: ${c.description}`);
  for (const l of report.loads) out.push(`- \`${l.name}\`: ${l.description}${l.command ? `  \n  \`${l.command}\`` : ''}`);
  out.push('');
  return out.join('\n');
}

/** The terminal summary: the table's key columns and the target lines. */
export function renderTerminal(report: BenchReport): string {
  const out: string[] = [''];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  out.push(`${pad('load', 19)}${pad('config', 20)}${lpad('rps', 9)}${lpad('x off', 7)}${lpad('p50', 8)}${lpad('x off', 7)}${lpad('p99', 8)}${lpad('errors', 9)}  peak RSS MB (gw/user/auth)`);
  for (const r of report.summary) {
    const roles = r.config === 'ceiling' ? ['echo'] : ['gateway', 'user', 'auth'];
    out.push(
      `${pad(r.load, 19)}${pad(r.config, 20)}${lpad(r.rps.toFixed(1), 9)}${lpad(fmtRatio(r.rpsRatio), 7)}${lpad(fmtMs(r.p50Ms), 8)}${lpad(fmtRatio(r.p50Ratio), 7)}${lpad(fmtMs(r.p99Ms), 8)}${lpad(String(r.errors), 9)}  ${roles
        .map((role) => r.processes[role]?.peakRssMb.toFixed(0) ?? '-')
        .join('/')}`,
    );
  }
  out.push('');
  for (const [config, s] of Object.entries(report.spans)) {
    if (s) out.push(`spans ${pad(config, 20)} exported ${s.total.exported}, dropped ${s.total.dropped}, failed ${s.total.failed} (ended ${s.total.ended})`);
  }
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
