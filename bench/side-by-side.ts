// `npm run bench:side-by-side`: CPU per request of several configurations measured at the same
// moment. Every configuration's stack gets the same open-loop load (`--rate` requests a second
// each) at once, round after round; each round's CPU per request is compared with the
// baseline's (the first configuration) in that same round.
//
// Why: `npm run bench` measures configurations one after another, and on these shared machines
// CPU per request drifts by up to 1.7x within a run (the same stack, minutes apart). Paired by
// round, 16 rounds of 3 s left a 95% interval of +-0.07-0.10 on a ratio; measured at once, the
// drift hits every configuration alike and 16 rounds of 6 s left +-0.02-0.04 (bench/README.md).
// The load generators and stacks then share the two cores, so absolute µs are higher than in
// `npm run bench`; the ratios and the per-process differences are what this reports.
// Loopback only; stops by itself.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../shared/paths';
import { startConfig, type RunningConfig } from './bench-stack';
import { CONFIG_NAMES, CONFIGS, type ConfigName } from './configs';
import { planLoad, runPlanned } from './load-plan';
import type { LoadName } from './loads';
import { pairedSummary, type PairedSummary, type RoundSample } from './paired-stats';
import { ProcSampler } from './proc-sampler';
import { startSink, type BenchSink } from './sink';
import { runCommand, wholeFlag } from './command';

/** The loads a side-by-side run can apply: the four the tracing targets are defined on. */
export const SIDE_BY_SIDE_LOADS = ['rest-get-user', 'trpc-get-user', 'ghz-get-user', 'ghz-validate-token'] as const satisfies readonly LoadName[];
type SideBySideLoad = (typeof SIDE_BY_SIDE_LOADS)[number];

// Half the equal-load rates of `npm run bench` (bench/README.md): with three stacks at once, the
// machine's two cores still keep up.
const DEFAULT_RATES: Record<SideBySideLoad, number> = { 'rest-get-user': 350, 'trpc-get-user': 325, 'ghz-get-user': 700, 'ghz-validate-token': 1600 };

/** A round in which a stack served less than this share of the offered rate is left out of the comparison. */
const MIN_RATE_SHARE = 0.9;

/** Options of {@link runSideBySide}. */
export interface SideBySideOptions {
  /** The first is the baseline every other is compared with. */
  configs: ConfigName[];
  load: SideBySideLoad;
  /** Requests a second offered to each stack. */
  rate: number;
  rounds: number;
  durationS: number;
  warmupS: number;
  concurrency: number;
  outDir: string;
}

/** One configuration's result. */
export interface SideBySideResult extends PairedSummary {
  config: ConfigName;
}

/** What a side-by-side run measured. */
export interface SideBySideReport {
  startedAt: string;
  options: Omit<SideBySideOptions, 'outDir'>;
  node: string;
  results: SideBySideResult[];
  /** Every round of every configuration, as measured. */
  samples: Record<string, (RoundSample | undefined)[]>;
}

const USAGE = `usage: npm run bench:side-by-side -- [options]
  --configs <c,...>   stack configurations, the first is the baseline (default off,on-0-sink,on-1.0-sink);
                      any of: ${CONFIG_NAMES.filter(usable).join(', ')}
  --load <name>       ${SIDE_BY_SIDE_LOADS.join(', ')} (default rest-get-user)
  --rate <rps>        requests a second offered to each stack at once (default: ${Object.entries(DEFAULT_RATES)
    .map(([l, r]) => `${l} ${r}`)
    .join(', ')})
  --rounds <n>        rounds, every configuration under load in each (default 12)
  --duration <s>      seconds per round (default 6)
  --warmup <s>        unmeasured load before the first round (default 4)
  --concurrency <n>   at most this many requests in flight per stack (default 50)
  --out <dir>         report folder (default bench/results)`;

/**
 * Whether a configuration can run side by side: a stack that needs neither Jaeger (whose own CPU
 * would compete unevenly) nor PostgreSQL, with one instance of each service (ghz dials one).
 */
function usable(name: ConfigName): boolean {
  const c = CONFIGS[name];
  return c.kind === 'stack' && !c.needsJaeger && (c.database ?? 'sqlite') === 'sqlite' && (c.replicas ?? 1) === 1;
}

/** Parses the command line; 'help' for --help. */
export function parseSideBySideCli(argv: string[]): SideBySideOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      configs: { type: 'string' },
      load: { type: 'string' },
      rate: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const configs = (values.configs ?? 'off,on-0-sink,on-1.0-sink').split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of configs) {
    if (!(CONFIG_NAMES as readonly string[]).includes(c) || !usable(c as ConfigName)) {
      throw new Error(`--configs: "${c}" cannot run side by side; choose from ${CONFIG_NAMES.filter(usable).join(', ')}`);
    }
  }
  if (configs.length < 2 || new Set(configs).size !== configs.length) throw new Error('--configs: name at least two different configurations');
  const load = values.load ?? 'rest-get-user';
  if (!(SIDE_BY_SIDE_LOADS as readonly string[]).includes(load)) throw new Error(`--load: choose from ${SIDE_BY_SIDE_LOADS.join(', ')}, got "${load}"`);
  return {
    configs: configs as ConfigName[],
    load: load as SideBySideLoad,
    rate: wholeFlag('rate', values.rate, DEFAULT_RATES[load as SideBySideLoad], 1),
    rounds: wholeFlag('rounds', values.rounds, 12, 2),
    durationS: wholeFlag('duration', values.duration, 6, 1),
    warmupS: wholeFlag('warmup', values.warmup, 4, 0),
    concurrency: wholeFlag('concurrency', values.concurrency, 50, 1),
    outDir: values.out ? path.resolve(values.out) : path.join(projectRoot, 'bench', 'results'),
  };
}

/** Runs every configuration's load at once for one round; returns each one's sample. */
async function measureRound(stacks: RunningConfig[], options: SideBySideOptions, durationS: number): Promise<RoundSample[]> {
  const sampler = new ProcSampler(500);
  stacks.forEach((s, i) => s.processes.forEach((p) => sampler.add(`${i}/${p.role}`, p.proc.pid)));
  sampler.start();
  const shape = { concurrency: options.concurrency, durationS, ghzCpus: 1, rate: options.rate };
  const results = await Promise.all(stacks.map((s) => runPlanned(planLoad(options.load, s, shape))));
  const usage = sampler.stop();
  return results.map((r, i) => ({
    cpuUs: Object.fromEntries(stacks[i]!.processes.map((p) => [p.role, ((usage[`${i}/${p.role}`]?.cpuMs ?? 0) * 1000) / Math.max(1, r.count)])),
    count: r.count,
    errors: r.errors,
    rps: r.rps,
  }));
}

/** Runs the comparison and writes its JSON report; resolves with it. */
export async function runSideBySide(options: SideBySideOptions, log: (line: string) => void = (l) => process.stderr.write(`[side-by-side] ${l}\n`)): Promise<SideBySideReport> {
  let sink: BenchSink | undefined;
  const stacks: RunningConfig[] = [];
  try {
    if (options.configs.some((c) => CONFIGS[c].needsSink)) sink = await startSink();
    const targets = { sinkOtlpUrl: sink?.otlpHttpUrl, closedOtlpUrl: 'http://127.0.0.1:9/v1/traces' };
    for (const name of options.configs) {
      log(`starting ${name}: ${CONFIGS[name].description}`);
      stacks.push(await startConfig(name, targets));
    }
    const startedAt = new Date().toISOString();
    log(`${options.load} at ${options.rate} rps on each of ${stacks.length} stacks at once, ${options.rounds} x ${options.durationS} s`);
    if (options.warmupS > 0) await measureRound(stacks, options, options.warmupS);
    const samples: Record<string, (RoundSample | undefined)[]> = Object.fromEntries(options.configs.map((c) => [c, []]));
    for (let round = 0; round < options.rounds; round++) {
      const measured = await measureRound(stacks, options, options.durationS);
      measured.forEach((m, i) => samples[options.configs[i]!]!.push(m));
      log(`round ${round + 1}/${options.rounds}: ${measured.map((m, i) => `${options.configs[i]} ${Math.round(Object.values(m.cpuUs).reduce((a, b) => a + b, 0))} µs/req`).join(', ')}`);
    }
    const baseline = samples[options.configs[0]!]!;
    const minRps = options.rate * MIN_RATE_SHARE;
    const { outDir: _outDir, ...shown } = options;
    const report: SideBySideReport = {
      startedAt,
      options: shown,
      node: process.version,
      results: options.configs.map((config) => ({ config, ...pairedSummary(baseline, samples[config]!, minRps) })),
      samples,
    };
    fs.mkdirSync(options.outDir, { recursive: true });
    const file = path.join(options.outDir, `side-by-side-${startedAt.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`report: ${path.relative(projectRoot, file)}`);
    return report;
  } finally {
    for (const s of stacks.reverse()) await s.stop();
    await sink?.stop();
  }
}

/** The report as a table for the terminal (and bench/README.md). */
export function formatSideBySide(report: SideBySideReport): string {
  const o = report.options;
  const roles = [...new Set(report.results.flatMap((r) => Object.keys(r.deltaUs)))];
  const lines = [
    `${o.load} at ${o.rate} rps on each stack at once, ${o.rounds} x ${o.durationS} s, c<=${o.concurrency}, Node ${report.node.replace(/^v/, '')}; CPU per request against ${report.results[0]?.config} in the same round`,
    `config                  x base (median)  mean +- 2 s.e.   µs/req  ${roles.map((r) => `Δ ${r}`.padStart(11)).join('')}  errors  rps (min)  rounds`,
  ];
  for (const r of report.results) {
    // A stack that cannot keep up serves fewer requests a second, and CPU per request depends on
    // the rate: such a comparison is not at equal load.
    const slow = r.medianRps < o.rate * 0.95 ? ' (fell behind: not at equal load)' : '';
    lines.push(
      `${r.config.padEnd(24)}${`x${r.medianRatio.toFixed(3)}`.padStart(15)}  ${`x${r.meanRatio.toFixed(3)} +-${Number.isFinite(r.ratioHalfWidth) ? r.ratioHalfWidth.toFixed(3) : 'n/a'}`.padEnd(16)}${String(Math.round(r.cpuUsPerRequest)).padStart(7)}  ${roles
        .map((role) => `${(r.deltaUs[role] ?? 0) >= 0 ? '+' : ''}${Math.round(r.deltaUs[role] ?? 0)}`.padStart(11))
        .join('')}  ${String(r.errors).padStart(6)}  ${`${Math.round(r.medianRps)} (${Math.round(r.minRps)})`.padStart(9)}  ${String(r.rounds).padStart(6)}${r.roundsLeftOut ? ` (${r.roundsLeftOut} left out: under ${MIN_RATE_SHARE * 100}% of the rate)` : ''}${slow}`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  runCommand({ name: 'side-by-side', usage: USAGE, parse: parseSideBySideCli, run: (o) => runSideBySide(o), format: formatSideBySide, passed: (report) => report.results.every((r) => r.errors === 0) });
}
