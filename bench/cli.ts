// The one command line of bench/: `npm run bench -- [mode] [options]`. The default mode is the
// headline (side by side); the others are longer or rarer runs. Every mode is parsed here, so a
// flag means the same wherever it applies and a flag a mode does not use is refused, not ignored.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../shared/paths';
import { CONFIG_NAMES, CONFIGS, DEFAULT_CONFIGS, type ConfigName } from './configs';
import type { LatencyOptions } from './latency-phase';
import { LOAD_NAMES, LOADS, type LoadName } from './loads';

/** The loads side by side can apply: the four the tracing targets are defined on. */
export const SIDE_BY_SIDE_LOADS = ['rest-get-user', 'trpc-get-user', 'ghz-get-user', 'ghz-validate-token'] as const satisfies readonly LoadName[];

/**
 * Requests a second offered to each stack side by side: low enough that three stacks and their
 * load generators keep up on 2 cores (a stack that falls behind is no longer at equal load).
 */
export const SIDE_BY_SIDE_RATES: Record<(typeof SIDE_BY_SIDE_LOADS)[number], number> = {
  'rest-get-user': 350,
  'trpc-get-user': 325,
  'ghz-get-user': 700,
  'ghz-validate-token': 1600,
};

/** The micro-benchmarks: each guards a hand-written part against the stock one it replaces. */
export const MICRO_NAMES = ['encode', 'span-path', 'jwt', 'request-attributes', 'peer-identity'] as const;
export type MicroName = (typeof MICRO_NAMES)[number];

/** Options every load-driving mode shares. */
interface LoadOptions {
  configs: ConfigName[];
  loads: LoadName[];
  /** Requests a second offered per load (open loop); a load not listed runs closed loop (capacity only). */
  rates: Partial<Record<LoadName, number>>;
  rounds: number;
  durationS: number;
  /** Seconds of unmeasured load before the first round, to warm the JIT. */
  warmupS: number;
  /** At most this many requests in flight per stack (autocannon connections, ghz -c). */
  concurrency: number;
  smoke: boolean;
  /** Folder the reports go to. */
  outDir: string;
}

/** The default: every configuration's stack under the same open-loop load at the same moment. */
export interface SideBySideOptions extends LoadOptions {
  mode: 'side-by-side';
  /** Root of another build: each configuration runs from it and from this build, a pair at a time. */
  against?: string;
  /** The latency phase after the CPU rounds (latency-phase.ts); `rounds: 0` skips it, as --against does. */
  latency: LatencyOptions;
  /**
   * The CPU rounds' requests arrive in a caller's trace that the caller did not sample
   * (`traceparent` flags 00): `off` then carries that context as tracing does, and the ratio is
   * what tracing costs beyond the context a request carries.
   */
  unsampledCaller: boolean;
}

/** `--capacity`: configurations one after another, closed loop unless --rate: throughput, latency, RSS. */
export interface CapacityOptions extends LoadOptions {
  mode: 'capacity';
  /** How many times a load disturbed by CPU use outside the benchmark is measured again. */
  retries: number;
  /** When set, every stack process runs with `node --cpu-prof` writing into `<dir>/<config>-<role>/`. */
  cpuProfDir?: string;
  /** GOMAXPROCS of ghz (its --cpus); 0 leaves ghz's default (every core). */
  ghzCpus: number;
}

/** `--soak` (one stack, long load, RSS halves) and `--collector` (the collector tier's cost). */
export interface SoakOptions {
  mode: 'soak' | 'collector';
  durationS: number;
  concurrency: number;
  outDir: string;
  /** --collector --samplers N: N samplers behind the load-balancing layer instead of one collector. */
  samplers?: number;
}

/** `--micro <name,...>`: in-process micro-benchmarks, rounds alternating between the variants. */
export interface MicroOptions {
  mode: 'micro';
  names: MicroName[];
  rounds?: number;
  /** Calls per variant per round (batches for `encode`). */
  iterations?: number;
}

/** `--profile-summary <file>`: where a `--cpu-prof` profile's time went, by package and function. */
export interface ProfileSummaryOptions {
  mode: 'profile-summary';
  file: string;
  /** Functions listed by self time. */
  top: number;
}

export type BenchOptions = SideBySideOptions | CapacityOptions | SoakOptions | MicroOptions | ProfileSummaryOptions;

export const USAGE = `usage: npm run bench -- [mode] [options]    (or: node dist/bench/main.js ...)
modes:
  (none)               side by side, the headline: every configuration's stack under the same open-loop
                       load at the same moment, CPU per request against the first, paired by round
  --capacity           configurations one after another in alternating rounds, closed loop unless --rate:
                       rps, latency, peak RSS, CPU per request, span counts (bench/results/<time>.md)
  --soak               one traced stack (sampling 1.0, real Jaeger), ghz GetUser + REST GET at once; RSS halves
  --collector          one traced stack through the collector tier of deploy/: its CPU per 1,000 spans
                       (--samplers N: N samplers behind the load balancer, each process's figure)
  --micro <name,...|all>  in process, hand-written against stock: ${MICRO_NAMES.join(', ')}
  --profile-summary <file.cpuprofile>  where a --cpu-prof profile's time went, by package and function
options:
  --configs <c,...>    first is the baseline (default ${DEFAULT_CONFIGS.join(',')}; with --against off,on-0-sink,on-1.0-sink)
                       any of: ${CONFIG_NAMES.join(', ')}
  --loads <l,...>      side by side: ${SIDE_BY_SIDE_LOADS.join(', ')} (default rest-get-user,ghz-get-user)
                       --capacity: ${LOAD_NAMES.join(', ')} (default all)
  --rate <rps>|<load=rps,...>  requests a second per stack (side by side default: ${Object.entries(SIDE_BY_SIDE_RATES)
    .map(([l, r]) => `${l}=${r}`)
    .join(', ')};
                       --capacity default: closed loop)
  --rounds <n>         rounds (default 12 side by side, 3 --capacity, 5 --micro)
  --duration <s>       seconds per round and load (default 8; --capacity 30; --soak 60; --collector 20)
  --warmup <s>         unmeasured load before the first round (default 4; --capacity 3)
  --concurrency <n>    in flight per stack (default 50; --soak 100; --collector 20)
  --against <root>     side by side: also run each configuration from the build at <root> (its own dist/),
                       one pair of stacks at a time; reports this build / that build
  --unsampled-caller   side by side: the CPU rounds' requests carry a caller's unsampled traceparent (flags
                       00), so off carries the same trace context: what tracing costs beyond carrying it
  --latency-rounds <n> side by side: rounds of the latency phase, off against on-1.0-sink and on-1.0 (real
                       Jaeger), c=1 and at --rate (default 6; 0 skips it; --smoke 2; none with --against)
  --latency-requests <n>  side by side: c=1 requests per stack per round, in blocks of 50 (default 1000)
  --latency-duration <s>  side by side: seconds per round at the fixed rate (default 3)
  --smoke              seconds, not minutes: 2 rounds x 2 s at 100 rps, c=5 (--capacity: 1 round, 2 s, c=10)
  --out <dir>          report folder (default bench/results)
  --retries <n>        --capacity: measure a load again when something else used the CPU (default 2)
  --cpu-prof <dir>     --capacity: every stack process under node --cpu-prof, into <dir>/<config>-<role>/
  --ghz-cpus <n>       --capacity: ghz --cpus (default 1; 0 = all)
  --iterations <n>     --micro: calls per variant per round
  --top <n>            --profile-summary: functions listed by self time (default 25)
  --samplers <n>       --collector: that many samplers behind the load balancer (deploy/otelcol-lb.yaml)
  --help`;

const MODE_FLAGS = {
  'side-by-side': ['configs', 'loads', 'rate', 'rounds', 'duration', 'warmup', 'concurrency', 'against', 'smoke', 'out', 'latency-rounds', 'latency-requests', 'latency-duration', 'unsampled-caller'],
  capacity: ['configs', 'loads', 'rate', 'rounds', 'duration', 'warmup', 'concurrency', 'smoke', 'out', 'retries', 'cpu-prof', 'ghz-cpus'],
  soak: ['duration', 'concurrency', 'out'],
  collector: ['duration', 'concurrency', 'out', 'samplers'],
  micro: ['rounds', 'iterations'],
  'profile-summary': ['top'],
} as const;

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], defaults: readonly T[]): T[] {
  if (value === undefined) return [...defaults];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((i) => !(allowed as readonly string[]).includes(i));
  if (unknown.length || items.length === 0) throw new Error(`--${flag}: unknown ${unknown.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
  return [...new Set(items)] as T[];
}

function whole(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`--${flag}: must be a whole number >= ${min}, got "${value}"`);
  return Number(value);
}

/** `--rate`: one number for every load (but the fixed-concurrency probes), or `load=rps` pairs. */
function rates(value: string | undefined, loads: readonly LoadName[], defaults: Partial<Record<LoadName, number>>): Partial<Record<LoadName, number>> {
  const out: Partial<Record<LoadName, number>> = Object.fromEntries(loads.filter((l) => defaults[l]).map((l) => [l, defaults[l]]));
  if (value === undefined) return out;
  const rps = (text: string) => whole('rate', text.trim(), 0, 1);
  if (!value.includes('=')) {
    for (const load of loads) if (LOADS[load].fixedConcurrency === undefined) out[load] = rps(value);
    return out;
  }
  for (const item of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [name, n, extra] = item.split('=').map((x) => x.trim());
    if (extra !== undefined || !name || n === undefined) throw new Error(`--rate: expected <load>=<rps>, got "${item}"`);
    if (!(LOAD_NAMES as readonly string[]).includes(name)) throw new Error(`--rate: unknown load ${name}; choose from ${LOAD_NAMES.join(', ')}`);
    if (LOADS[name as LoadName].fixedConcurrency !== undefined) throw new Error(`--rate: ${name} runs at a fixed concurrency (an unloaded probe) and takes no rate`);
    out[name as LoadName] = rps(n);
  }
  return out;
}

/**
 * Whether a configuration can run side by side: one that needs neither Jaeger (whose own CPU would
 * compete unevenly) nor PostgreSQL, with one instance of each service (ghz dials one address).
 */
export function sideBySideUsable(name: ConfigName): boolean {
  const c = CONFIGS[name];
  return !c.needsJaeger && (c.database ?? 'sqlite') === 'sqlite' && (c.replicas ?? 1) === 1;
}

/** The flags as node:util parseArgs read them. */
type CliValues = ReturnType<typeof readFlags>;

/** Reads every flag of every mode (strict: an unknown flag throws). */
function readFlags(argv: string[]) {
  const str = { type: 'string' } as const;
  const bool = { type: 'boolean' } as const;
  return parseArgs({
    args: argv,
    strict: true,
    options: {
      capacity: bool, soak: bool, collector: bool, micro: str, 'profile-summary': str, top: str,
      configs: str, loads: str, rate: str, rounds: str, duration: str, warmup: str, concurrency: str,
      against: str, smoke: bool, out: str, 'unsampled-caller': bool, 'latency-rounds': str, 'latency-requests': str, 'latency-duration': str, retries: str, 'cpu-prof': str, 'ghz-cpus': str, iterations: str, samplers: str, help: bool,
    },
  }).values;
}

/** Parses the command line; throws an Error with a readable message on a bad flag. 'help' asks for the usage. */
export function parseCli(argv: string[]): BenchOptions | 'help' {
  const values = readFlags(argv);
  if (values.help) return 'help';
  const mode = modeOf(values);
  const outDir = values.out ? path.resolve(values.out) : path.join(projectRoot, 'bench', 'results');

  if (mode === 'profile-summary') return { mode, file: path.resolve(values['profile-summary']!), top: whole('top', values.top, 25, 1) };
  if (mode === 'micro') {
    const names = values.micro === 'all' ? [...MICRO_NAMES] : list('micro', values.micro, MICRO_NAMES, MICRO_NAMES);
    const number = (flag: 'rounds' | 'iterations') => (values[flag] === undefined ? undefined : whole(flag, values[flag], 0, 1));
    return { mode, names, rounds: number('rounds'), iterations: number('iterations') };
  }
  if (mode === 'soak' || mode === 'collector') {
    const soak = mode === 'soak';
    return {
      mode,
      durationS: whole('duration', values.duration, soak ? 60 : 20, 4),
      concurrency: whole('concurrency', values.concurrency, soak ? 100 : 20, 1),
      outDir,
      ...(values.samplers === undefined ? {} : { samplers: whole('samplers', values.samplers, 1, 1) }),
    };
  }
  if (mode === 'capacity') return capacityOptions(values, outDir);
  return sideBySideOptions(values, outDir);
}

/** The one mode the flags ask for (side by side without any), checking every other flag belongs to it. */
function modeOf(values: CliValues): BenchOptions['mode'] {
  const modes = (['capacity', 'soak', 'collector', 'micro', 'profile-summary'] as const).filter((m) => values[m] !== undefined && values[m] !== false);
  if (modes.length > 1) throw new Error(`choose one mode, not --${modes.join(' and --')}`);
  const mode = modes[0] ?? 'side-by-side';
  const given = Object.keys(values).filter((k) => !['capacity', 'soak', 'collector', 'micro', 'profile-summary', 'help'].includes(k));
  const foreign = given.filter((k) => !(MODE_FLAGS[mode] as readonly string[]).includes(k));
  if (foreign.length) throw new Error(`--${foreign.join(', --')}: not an option of ${mode === 'side-by-side' ? 'the side-by-side run' : `--${mode}`}`);
  return mode;
}

/** `--capacity`'s options, with its defaults (smaller for --smoke). */
function capacityOptions(values: CliValues, outDir: string): CapacityOptions {
  const smoke = values.smoke ?? false;
  const loads = list('loads', values.loads, LOAD_NAMES, LOAD_NAMES);
  return {
    mode: 'capacity',
    configs: list('configs', values.configs, CONFIG_NAMES, DEFAULT_CONFIGS),
    loads,
    rates: rates(values.rate, loads, {}),
    rounds: whole('rounds', values.rounds, smoke ? 1 : 3, 1),
    durationS: whole('duration', values.duration, smoke ? 2 : 30, 1),
    warmupS: whole('warmup', values.warmup, smoke ? 0 : 3, 0),
    concurrency: whole('concurrency', values.concurrency, smoke ? 10 : 50, 1),
    smoke,
    outDir,
    retries: whole('retries', values.retries, smoke ? 0 : 2, 0),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    ghzCpus: whole('ghz-cpus', values['ghz-cpus'], 1, 0),
  };
}

/** The side-by-side run's options (two configurations, or two builds with --against), with its defaults. */
function sideBySideOptions(values: CliValues, outDir: string): SideBySideOptions {
  const smoke = values.smoke ?? false;
  const against = values.against ? path.resolve(values.against) : undefined;
  if (against && !fs.existsSync(path.join(against, 'dist', 'gateway', 'main.js'))) {
    throw new Error(`--against: ${against} has no dist/gateway/main.js: build it first (npm run build there)`);
  }
  const configs = list('configs', values.configs, CONFIG_NAMES, against ? ['off', 'on-0-sink', 'on-1.0-sink'] : DEFAULT_CONFIGS);
  const unusable = configs.filter((c) => !sideBySideUsable(c));
  if (unusable.length) throw new Error(`--configs: ${unusable.join(', ')} cannot run side by side (Jaeger, PostgreSQL or replicas): use --capacity`);
  if (!against && configs.length < 2) throw new Error('--configs: name at least two configurations (or compare two builds with --against)');
  const loads = list('loads', values.loads, SIDE_BY_SIDE_LOADS, ['rest-get-user', 'ghz-get-user']);
  const smokeRates = Object.fromEntries(SIDE_BY_SIDE_LOADS.map((l) => [l, 100]));
  return {
    mode: 'side-by-side',
    configs,
    loads,
    rates: rates(values.rate, loads, smoke ? smokeRates : SIDE_BY_SIDE_RATES),
    rounds: whole('rounds', values.rounds, smoke ? 2 : 12, 2),
    durationS: whole('duration', values.duration, smoke ? 2 : 8, 1),
    warmupS: whole('warmup', values.warmup, smoke ? 0 : 4, 0),
    concurrency: whole('concurrency', values.concurrency, smoke ? 5 : 50, 1),
    smoke,
    outDir,
    against,
    latency: latencyOptions(values, smoke, against !== undefined),
    unsampledCaller: values['unsampled-caller'] ?? false,
  };
}

/** The latency phase's options: none with --against (it compares builds, not tracing), small with --smoke. */
function latencyOptions(values: CliValues, smoke: boolean, against: boolean): LatencyOptions {
  if (against && values['latency-rounds'] !== undefined && values['latency-rounds'] !== '0') throw new Error('--latency-rounds: the latency phase compares tracing with off, not two builds; leave it out with --against');
  const requests = whole('latency-requests', values['latency-requests'], smoke ? 40 : 1000, 1);
  return {
    rounds: against ? 0 : whole('latency-rounds', values['latency-rounds'], smoke ? 2 : 6, 0),
    requests,
    block: Math.min(requests, smoke ? 20 : 50),
    durationS: whole('latency-duration', values['latency-duration'], smoke ? 1 : 3, 1),
  };
}
