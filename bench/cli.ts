import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../shared/paths';
import { CONFIG_NAMES, DEFAULT_CONFIGS, type ConfigName } from './configs';
import { LOAD_NAMES, LOADS, type LoadName } from './loads';

/** What one benchmark run does, from the command line. */
export interface BenchOptions {
  /** Seconds each measured load runs. */
  durationS: number;
  /** Concurrent requests (autocannon connections, ghz -c). */
  concurrency: number;
  rounds: number;
  /** Seconds of unmeasured load before each (config, load) in the first round, to warm the JIT. */
  warmupS: number;
  loads: LoadName[];
  configs: ConfigName[];
  smoke: boolean;
  /** Folder the reports go to. */
  outDir: string;
  /** How many times a load disturbed by CPU use outside the benchmark is measured again. */
  retries: number;
  /** When set, every stack process runs with `node --cpu-prof` writing into `<dir>/<config>-<role>/`. */
  cpuProfDir?: string;
  /** GOMAXPROCS of ghz (its --cpus); 0 leaves ghz's default (every core). */
  ghzCpus: number;
  /** Requests per second offered per load (open loop, the same for every configuration); a load not listed runs closed loop at `concurrency`. */
  rates: Partial<Record<LoadName, number>>;
}

/** The usage text printed by --help and on a bad flag. */
export const USAGE = `usage: node dist/bench/run.js [options]   (or: npm run bench -- [options])
  --duration <s>       seconds per measured load (default 30)
  --concurrency <n>    concurrent requests/connections (default 50)
  --rounds <n>         alternating rounds; the report uses the median (default 3)
  --warmup <s>         unmeasured warm-up before each load in round 1 (default 3)
  --only <load,...>    loads to run: ${LOAD_NAMES.join(', ')}
  --configs <c,...>    configurations: ${CONFIG_NAMES.join(', ')}
                       (default: ${DEFAULT_CONFIGS.join(', ')})
  --smoke              a few minutes: 1 round, 2 s per load, concurrency 10, no warm-up or retries
  --out <dir>          report folder (default bench/results)
  --retries <n>        measure a load again when something outside the benchmark used the CPU (default 2; 0 under --smoke)
  --cpu-prof <dir>     profile every stack process (node --cpu-prof); profiles are written at shutdown
                       into <dir>/<config>-<role>/ (summarise with node dist/bench/cpuprofile-summary.js)
  --ghz-cpus <n>       cores ghz may use (default 1, so the load generator leaves the stack a core; 0 = all)
  --rate <rps>|<load=rps,...>
                       offer a load this many requests a second, the same for every configuration
                       (at most --concurrency in flight): CPU per request compared at equal load.
                       A bare number applies to every load but the c=1 probes. Default: closed loop,
                       each connection sends its next request when the last is answered
  --help`;

function parseList<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], defaults: readonly T[] = allowed): T[] {
  if (value === undefined) return [...defaults];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((i) => !(allowed as readonly string[]).includes(i));
  if (unknown.length || items.length === 0) {
    throw new Error(`--${flag}: unknown ${unknown.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
  }
  // Keep the canonical order, whatever order the user typed.
  return allowed.filter((a) => items.includes(a));
}

function parseNumber(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${flag}: must be a number >= ${min}, got "${value}"`);
  return n;
}

/** `--rate`: one number for every load (but the fixed-concurrency probes), or `load=rps` pairs. */
function parseRates(value: string | undefined, loads: readonly LoadName[]): Partial<Record<LoadName, number>> {
  const rates: Partial<Record<LoadName, number>> = {};
  if (value === undefined) return rates;
  const positive = (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--rate: requests a second must be a whole number >= 1, got "${text}"`);
    return n;
  };
  if (!value.includes('=')) {
    const n = positive(value.trim());
    for (const load of loads) if (LOADS[load].fixedConcurrency === undefined) rates[load] = n;
    return rates;
  }
  for (const item of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [name, rps, extra] = item.split('=').map((x) => x.trim());
    if (extra !== undefined || !name || rps === undefined) throw new Error(`--rate: expected <load>=<rps>, got "${item}"`);
    if (!(LOAD_NAMES as readonly string[]).includes(name)) throw new Error(`--rate: unknown load ${name}; choose from ${LOAD_NAMES.join(', ')}`);
    if (LOADS[name as LoadName].fixedConcurrency !== undefined) throw new Error(`--rate: ${name} runs at a fixed concurrency (an unloaded probe) and takes no rate`);
    rates[name as LoadName] = positive(rps);
  }
  return rates;
}

/** Parses the command line; throws an Error with a readable message on a bad flag. `help` asks for the usage. */
export function parseCli(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      configs: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      'ghz-cpus': { type: 'string' },
      retries: { type: 'string' },
      'cpu-prof': { type: 'string' },
      rate: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const smoke = values.smoke ?? false;
  const loads = parseList('only', values.only, LOAD_NAMES);
  return {
    smoke,
    durationS: parseNumber('duration', values.duration, smoke ? 2 : 30, 1),
    concurrency: Math.round(parseNumber('concurrency', values.concurrency, smoke ? 10 : 50, 1)),
    rounds: Math.round(parseNumber('rounds', values.rounds, smoke ? 1 : 3, 1)),
    warmupS: parseNumber('warmup', values.warmup, smoke ? 0 : 3, 0),
    loads,
    configs: parseList('configs', values.configs, CONFIG_NAMES, DEFAULT_CONFIGS),
    outDir: values.out ? path.resolve(values.out) : path.join(projectRoot, 'bench', 'results'),
    retries: Math.round(parseNumber('retries', values.retries, smoke ? 0 : 2, 0)),
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
    ghzCpus: Math.round(parseNumber('ghz-cpus', values['ghz-cpus'], 1, 0)),
    rates: parseRates(values.rate, loads),
  };
}
