// The default `npm run bench`: CPU per request of several configurations measured at the same
// moment. Every stack gets the same open-loop load (`--rate` requests a second each) at once,
// round after round, and each round's CPU per request is divided by the baseline's in that same
// round. Measured one after another, configurations minutes apart drift more than tracing costs
// on these shared machines; measured at once, whatever slows the machine hits all of them alike.
// The stacks and load generators share the cores, so absolute µs are higher than in --capacity:
// the ratios and per-process differences are the result.
//
// Then the latency phase (latency-phase.ts): `off` against lean tracing at 1.0 into the sink and
// into a real Jaeger, every request timed, p50 and p99 paired by round the same way.
//
// With --against, the same for two builds (no latency phase): each configuration runs from the
// other build and from this one, a pair of stacks at a time (2 cores), and the ratio is this
// build / that build.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../shared/paths';
import { startStack, type RunningConfig } from './bench-stack';
import type { SideBySideOptions } from './cli';
import { CONFIGS, type ConfigName } from './configs';
import { startJaeger, type BenchJaeger } from './jaeger';
import { LATENCY_TRACED, runLatencyPhase, type LatencyReport } from './latency-phase';
import { formatLatencyTables, latencyHeadline } from './latency-report';
import { planLoad, runPlanned, UNSAMPLED_CALLER_TRACEPARENT } from './load-plan';
import type { LoadName } from './loads';
import { pairedSummary, type PairedSummary, type RoundSample } from './paired-stats';
import { ProcSampler } from './proc-sampler';
import { startSink, type BenchSink } from './sink';

/** A round in which a stack served less than this share of the offered rate is left out of the comparison. */
const MIN_RATE_SHARE = 0.9;

/** One stack against the baseline of its comparison. */
export interface SideBySideResult extends PairedSummary {
  /** `off`, or with --against `on-1.0-sink (this build)`. */
  label: string;
  config: ConfigName;
}

/** Stacks measured together under one load; the first is the baseline. */
export interface Comparison {
  load: LoadName;
  rate: number;
  results: SideBySideResult[];
  /** Every round of every stack, as measured, by label. */
  samples: Record<string, (RoundSample | undefined)[]>;
}

/** What a side-by-side run measured. */
export interface SideBySideReport {
  startedAt: string;
  options: Omit<SideBySideOptions, 'outDir'>;
  node: string;
  comparisons: Comparison[];
  /** The latency phase (absent with --against or --latency-rounds 0). */
  latency?: LatencyReport;
}

interface Stack {
  label: string;
  config: ConfigName;
  running: RunningConfig;
}

const sum = (cpuUs: Record<string, number>) => Object.values(cpuUs).reduce((a, b) => a + b, 0);

/** Runs every stack's load at once for one round; returns each one's sample. */
async function measureRound(stacks: Stack[], load: LoadName, options: SideBySideOptions, durationS: number): Promise<RoundSample[]> {
  const sampler = new ProcSampler(500);
  stacks.forEach((s, i) => s.running.processes.forEach((p) => sampler.add(`${i}/${p.role}`, p.proc.pid)));
  sampler.start();
  const shape = { concurrency: options.concurrency, durationS, ghzCpus: 1, rate: options.rates[load] ?? 0, callerTraceparent: options.unsampledCaller ? UNSAMPLED_CALLER_TRACEPARENT : undefined };
  const results = await Promise.all(stacks.map((s) => runPlanned(planLoad(load, s.running, shape))));
  const usage = sampler.stop();
  return results.map((r, i) => ({
    cpuUs: Object.fromEntries(stacks[i]!.running.processes.map((p) => [p.role, ((usage[`${i}/${p.role}`]?.cpuMs ?? 0) * 1000) / Math.max(1, r.count)])),
    count: r.count,
    errors: r.errors,
    rps: r.rps,
  }));
}

/** Every chosen load over the same stacks: warm-up, then the rounds, paired against the first stack. */
async function compare(stacks: Stack[], options: SideBySideOptions, log: (line: string) => void): Promise<Comparison[]> {
  const comparisons: Comparison[] = [];
  for (const load of options.loads) {
    const rate = options.rates[load] ?? 0;
    log(`${load} at ${rate} rps on each of ${stacks.length} stacks at once, ${options.rounds} x ${options.durationS} s${options.unsampledCaller ? ", every request in an unsampled caller's trace" : ''}`);
    if (options.warmupS > 0) await measureRound(stacks, load, options, options.warmupS);
    const samples: Record<string, RoundSample[]> = Object.fromEntries(stacks.map((s) => [s.label, []]));
    for (let round = 0; round < options.rounds; round++) {
      const measured = await measureRound(stacks, load, options, options.durationS);
      measured.forEach((m, i) => samples[stacks[i]!.label]!.push(m));
      log(`  round ${round + 1}/${options.rounds}: ${measured.map((m, i) => `${stacks[i]!.label} ${Math.round(sum(m.cpuUs))} µs/req`).join(', ')}`);
    }
    const baseline = samples[stacks[0]!.label]!;
    // --smoke checks the path, not the figures: on a busy machine its short rounds may miss the
    // rate, and none is left out.
    const minRps = options.smoke ? 0 : rate * MIN_RATE_SHARE;
    const results = stacks.map((s) => ({ label: s.label, config: s.config, ...pairedSummary(baseline, samples[s.label]!, minRps) }));
    comparisons.push({ load, rate, results, samples });
  }
  return comparisons;
}

/** The configurations the latency phase runs: `off` and the traced ones it compares with it. */
const LATENCY_CONFIGS: readonly ConfigName[] = ['off', ...LATENCY_TRACED];

/**
 * The latency phase: `off` against LATENCY_TRACED, on the stacks the CPU rounds ran where they
 * can (their JIT is warm) and on new ones otherwise; stacks it does not use are stopped first.
 */
async function measureLatency(started: Stack[], options: SideBySideOptions, start: (config: ConfigName) => Promise<Stack>, log: (line: string) => void): Promise<LatencyReport> {
  for (const s of started) if (!LATENCY_CONFIGS.includes(s.config)) await s.running.stop();
  const stacks: RunningConfig[] = [];
  for (const config of LATENCY_CONFIGS) stacks.push((started.find((s) => s.config === config) ?? (await start(config))).running);
  const loads = options.loads.map((load) => ({ load, rate: options.rates[load] ?? 0 }));
  return runLatencyPhase(stacks, loads, { concurrency: options.concurrency, warmupS: options.warmupS, options: options.latency }, log);
}

/** Writes the report as JSON and, for reading, its terminal text as markdown; returns the JSON file. */
function writeReport(report: SideBySideReport, outDir: string): string {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `side-by-side-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(file.replace(/\.json$/, '.md'), `# npm run bench, ${report.startedAt}\n\n\`\`\`\n${formatSideBySide(report).trim()}\n\`\`\`\n`);
  return file;
}

/** Runs the comparison (and the latency phase) and writes its reports; resolves with the report. */
export async function runSideBySide(options: SideBySideOptions, log: (line: string) => void = (l) => process.stderr.write(`[bench] ${l}\n`)): Promise<SideBySideReport> {
  let sink: BenchSink | undefined;
  let jaeger: BenchJaeger | undefined;
  const started: Stack[] = [];
  const latencyOn = options.latency.rounds > 0 && !options.against;
  const start = async (config: ConfigName, build?: { root: string; name: string }): Promise<Stack> => {
    const label = build ? `${config} (${build.name})` : config;
    log(`starting ${label}: ${CONFIGS[config].description}`);
    const targets = { sinkOtlpUrl: sink?.otlpHttpUrl, jaegerOtlpUrl: jaeger?.otlpHttpUrl };
    const running = await startStack(config, targets, { root: build?.root, label: label.replace(/[ ()]+/g, '-').replace(/-$/, '') });
    const stack = { label, config, running };
    started.push(stack);
    return stack;
  };
  try {
    if ([...options.configs, ...(latencyOn ? LATENCY_CONFIGS : [])].some((c) => CONFIGS[c].needsSink)) sink = await startSink();
    const startedAt = new Date().toISOString();
    const comparisons: Comparison[] = [];
    if (options.against) {
      for (const config of options.configs) {
        const pair = [await start(config, { root: options.against, name: 'that build' }), await start(config, { root: projectRoot, name: 'this build' })];
        comparisons.push(...(await compare(pair, options, log)));
        for (const s of pair) await s.running.stop();
      }
    } else {
      const stacks: Stack[] = [];
      for (const config of options.configs) stacks.push(await start(config));
      comparisons.push(...(await compare(stacks, options, log)));
    }
    let latency: LatencyReport | undefined;
    if (latencyOn) {
      // Started only now, so its CPU is not on the machine during the CPU rounds.
      if (LATENCY_CONFIGS.some((c) => CONFIGS[c].needsJaeger)) jaeger = await startJaeger();
      latency = await measureLatency(started, options, (config) => start(config), log);
    }
    const { outDir, ...shown } = options;
    const report: SideBySideReport = { startedAt, options: shown, node: process.version, comparisons, ...(latency ? { latency } : {}) };
    log(`report: ${path.relative(process.cwd(), writeReport(report, outDir))}`);
    return report;
  } finally {
    for (const s of started.reverse()) await s.running.stop();
    await sink?.stop();
    await jaeger?.stop();
  }
}

const interval = (r: PairedSummary) => `x${r.meanRatio.toFixed(2)} +-${Number.isFinite(r.ratioHalfWidth) ? r.ratioHalfWidth.toFixed(2) : 'n/a'}`;

/** The headline: each stack against its baseline, mean +- 2 standard errors, one line per load. */
export function headline(report: SideBySideReport): string[] {
  const against = report.options.against;
  const lines = [
    against
      ? `CPU per request, this build / the build at ${against}, same rounds (mean +- 2 s.e.):`
      : `CPU per request against ${report.comparisons[0]?.results[0]?.label ?? 'the baseline'}, same rounds (mean +- 2 s.e.):`,
  ];
  for (const c of report.comparisons) {
    const shown = against ? c.results.slice(1).map((r) => `${r.config} ${interval(r)}`) : c.results.slice(1).map((r) => `${r.label} ${interval(r)}`);
    lines.push(`  ${c.load.padEnd(20)} ${shown.join(', ')}`);
  }
  return lines;
}

/** The report as tables for the terminal (and bench/README.md), headline last. */
export function formatSideBySide(report: SideBySideReport): string {
  const o = report.options;
  const lines: string[] = [];
  for (const c of report.comparisons) {
    const roles = [...new Set(c.results.flatMap((r) => Object.keys(r.deltaUs)))];
    lines.push(
      '',
      `${c.load} at ${c.rate} rps on each stack at once${o.unsampledCaller ? ", every request in an unsampled caller's trace" : ''}, ${o.rounds} x ${o.durationS} s, c<=${o.concurrency}, Node ${report.node.replace(/^v/, '')}; CPU per request against ${c.results[0]?.label} in the same round`,
      `${'stack'.padEnd(28)}x base (median)  mean +- 2 s.e.   µs/req  ${roles.map((r) => `Δ ${r}`.padStart(11)).join('')}  errors  rps (min)  rounds`,
    );
    for (const r of c.results) {
      // CPU per request depends on the rate: a stack that fell behind is not at equal load.
      const slow = r.medianRps < c.rate * 0.95 ? ' (fell behind: not at equal load)' : '';
      const deltas = roles.map((role) => `${(r.deltaUs[role] ?? 0) >= 0 ? '+' : ''}${Math.round(r.deltaUs[role] ?? 0)}`.padStart(11)).join('');
      const leftOut = r.roundsLeftOut ? ` (${r.roundsLeftOut} left out: under ${MIN_RATE_SHARE * 100}% of the rate)` : '';
      lines.push(
        `${r.label.padEnd(28)}${`x${r.medianRatio.toFixed(3)}`.padStart(15)}  ${`x${r.meanRatio.toFixed(3)} +-${Number.isFinite(r.ratioHalfWidth) ? r.ratioHalfWidth.toFixed(3) : 'n/a'}`.padEnd(16)}${String(Math.round(r.cpuUsPerRequest)).padStart(7)}  ${deltas}  ${String(r.errors).padStart(6)}  ${`${Math.round(r.medianRps)} (${Math.round(r.minRps)})`.padStart(9)}  ${String(r.rounds).padStart(6)}${leftOut}${slow}`,
      );
    }
  }
  if (report.latency) lines.push(...formatLatencyTables(report.latency));
  lines.push('', ...headline(report));
  if (report.latency) lines.push('', ...latencyHeadline(report.latency));
  return lines.join('\n');
}

/** Passed: no stack had a failed request (the targets are verdicts to read, not failures of the run). */
export function sideBySidePassed(report: SideBySideReport): boolean {
  const latencyErrors = (report.latency?.comparisons ?? []).reduce((a, c) => a + c.summary.errors, 0);
  return latencyErrors === 0 && report.comparisons.every((c) => c.results.every((r) => r.errors === 0));
}
