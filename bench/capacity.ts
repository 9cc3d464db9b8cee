// `npm run bench -- --capacity`: starts every configuration's processes on loopback, drives the
// same loads against each in alternating rounds, samples RSS/CPU, and writes
// bench/results/<time>.json|.md plus latest.md. See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type PostgresCluster } from '../scripts/stack/postgres-cluster';
import { startStack, type RunningConfig, type SpanStats } from './bench-stack';
import { killAll } from './children';
import type { CapacityOptions } from './cli';
import { CONFIGS, type ConfigName, type TracingTargets } from './configs';
import { startJaeger, type BenchJaeger } from './jaeger';
import { startSink, type BenchSink } from './sink';
import { describePlanned, planLoad, runPlanned, type PlannedLoad } from './load-plan';
import { LOADS, type LoadName } from './loads';
import type { LoadResult } from './load-result';
import { machineBusyOver, ProcSampler, type ProcUsage } from './proc-sampler';
import { Progress } from './progress';
import {
  describeLoads,
  gatewayOverhead,
  ownCpuUsPerRequest,
  renderMarkdown,
  renderTerminal,
  spanTotals,
  summarize,
  type BenchReport,
  type Measurement,
} from './report';

/** One slot of the schedule. */
interface Step {
  round: number;
  load: LoadName;
  config: ConfigName;
  /** Run an unmeasured warm-up first (round 1 only). */
  warmup: boolean;
}

// Before each load, wait until every process is idle (e.g. auth still hashing passwords queued by
// the login load), so one load's backlog is not charged to the next.
const IDLE_MACHINE_PCT = 20;
const IDLE_WINDOW_MS = 250;
const MAX_QUIESCE_MS = 60_000;
// A smoke run only checks that the harness works: it does not wait out a neighbour's build.
const MAX_QUIESCE_SMOKE_MS = 3_000;
// CPU (% of one core) outside the benchmark's processes above which a load counts as disturbed.
// Kernel networking (loopback) counts toward it too.
const CONTENDED_PCT = 25;
const STACK_MODE = 'all configurations started once and kept running; only the one under load is busy (idle ones measured as `other` CPU)';

/**
 * The order loads run in: round by round, load by load, every configuration in turn, the
 * configuration order rotated each round so none always runs first (or right after login).
 */
export function buildSchedule(options: Pick<CapacityOptions, 'rounds' | 'loads' | 'configs' | 'warmupS'>): Step[] {
  const steps: Step[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const load of options.loads) {
      const configs = options.configs.filter((c) => LOADS[load].appliesTo(CONFIGS[c]));
      const shift = configs.length ? round % configs.length : 0;
      const rotated = [...configs.slice(shift), ...configs.slice(0, shift)];
      // The c=1 probes run after the loaded ones, on warm processes: no warm-up of their own.
      const warmup = round === 0 && options.warmupS > 0 && LOADS[load].fixedConcurrency === undefined;
      for (const config of rotated) steps.push({ round, load, config, warmup });
    }
  }
  return steps;
}

/** How idle the machine was when a load started. */
interface Quiet {
  waitedMs: number;
  /** Machine busy % over the last window before the load. */
  busyPct: number;
}

/**
 * Waits until the whole machine is nearly idle (our processes and anyone else's), at most
 * MAX_QUIESCE_MS: one load's backlog must not be charged to the next, nor a neighbour's build.
 */
async function quiesce(signal: AbortSignal, maxMs: number): Promise<Quiet> {
  const start = Date.now();
  let busyPct = 0;
  while (!signal.aborted && Date.now() - start < maxMs) {
    busyPct = await machineBusyOver(IDLE_WINDOW_MS);
    if (busyPct < IDLE_MACHINE_PCT) break;
  }
  return { waitedMs: Date.now() - start, busyPct: Math.round(busyPct) };
}

/** The tracing environment a configuration's stack got (for the report); undefined if it never started. */
function configEnv(name: ConfigName, targets: TracingTargets | undefined): Record<string, string> | undefined {
  if (!targets) return undefined;
  try {
    return CONFIGS[name].tracingEnv(targets);
  } catch {
    return undefined;
  }
}

function timestampForFile(d: Date): string {
  return d.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
}

function writeReport(report: BenchReport, outDir: string): { json: string; md: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, timestampForFile(new Date(report.startedAt)));
  const md = renderMarkdown(report);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(path.join(outDir, 'latest.md'), md);
  return { json: `${base}.json`, md: `${base}.md` };
}

/** Everything a capacity run has started and measured so far: stopped and reported at its end. */
interface CapacityRun {
  options: CapacityOptions;
  /** Aborted by Ctrl-C: the current load stops, and so does the run. */
  abort: AbortController;
  progress: Progress;
  maxQuiesceMs: number;
  running: Partial<Record<ConfigName, RunningConfig>>;
  measurements: Measurement[];
  /** The command line of each load, as the report shows it. */
  commands: Partial<Record<LoadName, string>>;
  jaeger?: BenchJaeger;
  sink?: BenchSink;
  postgres?: PostgresCluster;
  targets?: TracingTargets;
}

/** Runs the capacity comparison, writes its reports; resolves with the exit code (130 when interrupted). */
export async function runCapacity(options: CapacityOptions): Promise<number> {
  const startedAt = new Date();
  const schedule = buildSchedule(options);
  const run: CapacityRun = {
    options,
    abort: abortOnSignals(),
    progress: new Progress(schedule.length, plannedSeconds(schedule, options) / Math.max(1, schedule.length)),
    maxQuiesceMs: options.smoke ? MAX_QUIESCE_SMOKE_MS : MAX_QUIESCE_MS,
    running: {},
    measurements: [],
    commands: {},
  };
  let failure: Error | undefined;
  try {
    await startHelpers(run);
    await startConfigs(run);
    for (const step of schedule) {
      if (run.abort.signal.aborted) break;
      await runStep(run, step);
    }
  } catch (err) {
    // A load killed by Ctrl-C rejects too; that is an interruption, not a failure.
    if (!run.abort.signal.aborted) {
      failure = err as Error;
      run.progress.note(`benchmark failed: ${failure.message}`);
    }
  }
  const { spanStats, sinkStats } = await stopEverything(run);

  if (run.measurements.length === 0) {
    if (failure) throw failure;
    process.stderr.write('nothing was measured\n');
    return run.abort.signal.aborted ? 130 : 1;
  }
  const report = buildReport(run, { startedAt, aborted: run.abort.signal.aborted || failure !== undefined, spanStats, sinkStats });
  const files = writeReport(report, options.outDir);
  process.stdout.write(`${renderTerminal(report)}\n\nreport: ${files.md}\n        ${files.json}\n        ${path.join(options.outDir, 'latest.md')}\n`);
  if (options.cpuProfDir) process.stdout.write(`cpu profiles: ${options.cpuProfDir}/<config>-<role>/*.cpuprofile\n`);
  if (failure) throw failure;
  return run.abort.signal.aborted ? 130 : 0;
}

/** Ctrl-C (or SIGTERM) aborts the run; a second one kills every process at once. */
function abortOnSignals(): AbortController {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      killAll();
      process.exit(130);
    }
    process.stderr.write(`\n${signal}: stopping the current load and every process (again to kill at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return abort;
}

/** How long the schedule should take, for the progress line's estimate. */
function plannedSeconds(schedule: readonly Step[], options: CapacityOptions): number {
  return schedule.reduce(
    (sum, s) => sum + Math.min(options.durationS, LOADS[s.load].maxDurationS ?? Infinity) + (s.warmup ? options.warmupS : 0) + 2,
    0,
  );
}

/** Starts what the configurations export to or store in: Jaeger, the discard sink, PostgreSQL. */
async function startHelpers(run: CapacityRun): Promise<void> {
  const { options, progress } = run;
  if (options.configs.some((c) => CONFIGS[c].needsJaeger)) {
    progress.note('starting Jaeger (in memory, free ports)');
    run.jaeger = await startJaeger();
  }
  if (options.configs.some((c) => CONFIGS[c].needsSink)) {
    progress.note('starting the discard OTLP/HTTP sink (bench/otlp-sink.ts)');
    run.sink = await startSink();
  }
  if (options.configs.some((c) => CONFIGS[c].database === 'postgres')) {
    progress.note('starting a throwaway PostgreSQL cluster (scripts/postgres.sh)');
    run.postgres = await startPostgres();
  }
  run.targets = { jaegerOtlpUrl: run.jaeger?.otlpHttpUrl, sinkOtlpUrl: run.sink?.otlpHttpUrl, postgresUrl: run.postgres?.url };
}

/** Starts every configuration's stack once; they keep running for the whole schedule. */
async function startConfigs(run: CapacityRun): Promise<void> {
  for (const name of run.options.configs) {
    if (run.abort.signal.aborted) break;
    run.progress.note(`starting ${name}: ${CONFIGS[name].description}`);
    run.running[name] = await startStack(name, run.targets!, { cpuProfDir: run.options.cpuProfDir });
  }
}

/** One slot of the schedule: a warm-up if due, then the least disturbed of its attempts, noted and kept. */
async function runStep(run: CapacityRun, step: Step): Promise<void> {
  const { options, progress } = run;
  const target = run.running[step.config];
  if (!target) return;
  const spec = LOADS[step.load];
  const concurrency = spec.fixedConcurrency ?? options.concurrency;
  const durationS = Math.min(options.durationS, spec.maxDurationS ?? Infinity);
  const shape = { concurrency, durationS, ghzCpus: options.ghzCpus, rate: options.rates[step.load] ?? 0 };
  const planned = planLoad(step.load, target, shape);
  run.commands[step.load] ??= describePlanned(planned);
  const done = progress.step(
    `round ${step.round + 1}/${options.rounds}  ${step.load} x ${step.config}${step.warmup ? ` (+${options.warmupS} s warm-up)` : ''}`,
    durationS + (step.warmup ? options.warmupS : 0),
  );
  if (step.warmup) {
    await quiesce(run.abort.signal, run.maxQuiesceMs);
    await runPlanned(planLoad(step.load, target, { ...shape, durationS: options.warmupS }), undefined, run.abort.signal);
  }
  const best = await leastDisturbed(run, step, concurrency, planned);
  done();
  if (best) {
    run.measurements.push(best);
    noteMeasurement(run.progress, target, step, best);
  }
}

/**
 * Someone else's burst of CPU (a build, a test run) during a load skews it: such an attempt is run
 * again, up to --retries times, and the least disturbed attempt is kept.
 */
async function leastDisturbed(run: CapacityRun, step: Step, concurrency: number, planned: PlannedLoad): Promise<Measurement | undefined> {
  const { options, abort } = run;
  let best: Measurement | undefined;
  for (let attempt = 1; attempt <= options.retries + 1 && !abort.signal.aborted; attempt++) {
    const quiet = await quiesce(abort.signal, run.maxQuiesceMs);
    if (abort.signal.aborted) break;
    const m = await measure(run, step, concurrency, planned, quiet, attempt);
    // Ctrl-C reaches ghz too, which then reports what it has: a cut-short load is not kept.
    if (abort.signal.aborted) break;
    if (!best || (m.machine?.unaccountedPct ?? 0) < (best.machine?.unaccountedPct ?? 0)) best = m;
    const outside = m.machine?.unaccountedPct ?? 0;
    if (outside <= CONTENDED_PCT) break;
    if (attempt <= options.retries) run.progress.note(`    ${outside.toFixed(0)}% CPU outside the benchmark's processes during the load: measuring again`);
  }
  return best;
}

/** Runs one measured attempt with every process sampled. */
async function measure(run: CapacityRun, step: Step, concurrency: number, planned: PlannedLoad, quiet: Quiet, attempt: number): Promise<Measurement> {
  const sampler = new ProcSampler(200);
  for (const [name, r] of Object.entries(run.running)) for (const p of r?.processes ?? []) sampler.add(`${name}/${p.role}`, p.proc.pid);
  sampler.add('jaeger', run.jaeger?.proc.pid);
  sampler.add('sink', run.sink?.proc.pid);
  sampler.add('harness', process.pid);
  sampler.start();
  const startedAt = new Date().toISOString();
  let usage: Record<string, ProcUsage> = {};
  let result: LoadResult;
  try {
    result = await runPlanned(planned, (pid) => sampler.add('loadgen', pid), run.abort.signal);
  } finally {
    usage = sampler.stop();
  }
  return {
    round: step.round,
    config: step.config,
    load: step.load,
    concurrency,
    result,
    usage,
    machine: sampler.machine,
    quiesceMs: quiet.waitedMs,
    idleBeforePct: quiet.busyPct,
    attempt,
    startedAt,
  };
}

/** The progress line of one kept measurement: rates, latencies, each process's RSS and CPU. */
function noteMeasurement(progress: Progress, target: RunningConfig, step: Step, best: Measurement): void {
  const { result, usage, machine } = best;
  const rss = target.processes.map((p) => `${p.role} ${usage[`${step.config}/${p.role}`]?.peakRssMb.toFixed(0) ?? '?'}`).join(' ');
  const cpu = target.processes.map((p) => `${p.role} ${usage[`${step.config}/${p.role}`]?.cpuPct.toFixed(0) ?? '?'}%`).join(' ');
  const perRequest = ownCpuUsPerRequest(best);
  progress.note(
    `    rps ${result.rps}  p50 ${result.p50Ms} ms  p90 ${result.p90Ms} ms  p99 ${result.p99Ms} ms  errors ${result.errors}/${result.count}  | RSS MB ${rss} | CPU ${cpu}, ${perRequest?.toFixed(0) ?? '?'} µs/req | machine ${machine?.busyPct.toFixed(0) ?? '?'}% (${machine?.unaccountedPct.toFixed(0) ?? '?'}% outside)`,
  );
}

/** Stops every stack, then the helpers (the sink last: the stacks export what they still hold to it). */
async function stopEverything(run: CapacityRun): Promise<{ spanStats: Partial<Record<ConfigName, Partial<Record<string, SpanStats>>>>; sinkStats: BenchReport['sink'] }> {
  run.progress.note('stopping every process (the span counts are printed at shutdown)');
  const spanStats: Partial<Record<ConfigName, Partial<Record<string, SpanStats>>>> = {};
  for (const name of Object.keys(run.running) as ConfigName[]) {
    const r = run.running[name];
    if (!r) continue;
    await r.stop();
    spanStats[name] = { ...r.spanStats };
  }
  await run.jaeger?.stop();
  await run.postgres?.stop();
  const sinkStats = await run.sink?.stop();
  return { spanStats, sinkStats };
}

/** The report of a finished (or interrupted) run. */
function buildReport(
  run: CapacityRun,
  end: { startedAt: Date; aborted: boolean; spanStats: Partial<Record<ConfigName, Partial<Record<string, SpanStats>>>>; sinkStats: BenchReport['sink'] },
): BenchReport {
  const { outDir: _outDir, ...reportOptions } = run.options;
  const summary = summarize(run.measurements);
  return {
    startedAt: end.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    aborted: end.aborted,
    options: reportOptions,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    stackMode: STACK_MODE,
    spanProcessorEnv: Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('OTEL_BSP_') && v !== undefined)) as Record<string, string>,
    configs: run.options.configs.map((name) => ({ name, description: CONFIGS[name].description, env: configEnv(name, run.targets) })),
    loads: describeLoads(run.options.loads, run.commands),
    measurements: run.measurements,
    summary,
    spans: spanTotals(end.spanStats),
    sink: end.sinkStats,
    gatewayOverhead: gatewayOverhead(summary, 'rest-get-user', 'ghz-get-user'),
    gatewayOverheadUnloaded: gatewayOverhead(summary, 'rest-get-user-c1', 'ghz-get-user-c1'),
  };
}
