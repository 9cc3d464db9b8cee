// `npm run bench`: the one entry point of bench/ (bench/README.md). Parses the command line
// (bench/cli.ts), builds the load tools a mode needs, runs the mode, prints its report, and stops
// every child on Ctrl-C, SIGTERM or a failure. Exit 0 when the run passed, 1 when it did not or
// failed, 2 on a bad flag, 130 when interrupted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../shared/paths';
import { runCapacity } from './capacity';
import { killAll } from './children';
import { parseCli, USAGE, type BenchOptions, type MicroName, type MicroOptions } from './cli';
import { runCollectorCost } from './collector-cost';
import { CONFIGS } from './configs';
import { summarizeProfileFile } from './cpuprofile-summary';
import * as encode from './encode-micro';
import * as jwt from './jwt-micro';
import { LOADS } from './loads';
import * as peerIdentity from './peer-identity-micro';
import * as requestAttributes from './request-attributes-micro';
import { formatSideBySide, runSideBySide, sideBySidePassed } from './side-by-side';
import { formatSoak, runSoak } from './soak';
import * as spanPath from './span-path-micro';

const MICROS: Record<MicroName, { run(o: MicroOptions): Promise<void> }> = { encode, 'span-path': spanPath, jwt, 'request-attributes': requestAttributes, 'peer-identity': peerIdentity };

/** Builds ghz and Jaeger when the run needs them (scripts/tools.sh reuses what it has built). */
function buildTools(options: BenchOptions): void {
  const wanted = new Set<string>();
  if (options.mode === 'soak' || options.mode === 'collector') wanted.add('ghz').add('jaeger');
  if (options.mode === 'collector' && options.samplers !== undefined) wanted.add('otelcol-lb');
  if (options.mode === 'side-by-side' || options.mode === 'capacity') {
    if (options.loads.some((l) => LOADS[l].tool === 'ghz')) wanted.add('ghz');
    if (options.configs.some((c) => CONFIGS[c].needsJaeger)) wanted.add('jaeger');
  }
  if (options.mode === 'side-by-side' && options.latency.rounds > 0) wanted.add('jaeger');
  for (const tool of wanted) execFileSync('bash', [path.join(projectRoot, 'scripts', 'tools.sh'), tool], { stdio: 'inherit' });
}

function checkBuilt(): void {
  for (const file of ['dist/gateway/main.js', 'dist/services/user/main.js', 'dist/services/auth/main.js', 'dist/bench/otlp-sink.js']) {
    if (!fs.existsSync(path.join(projectRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm run bench does)`);
  }
}

/** Runs the mode; resolves with the exit code. */
async function run(options: BenchOptions): Promise<number> {
  if (options.mode === 'capacity') return runCapacity(options);
  if (options.mode === 'profile-summary') {
    process.stdout.write(`${summarizeProfileFile(options.file, options.top)}\n`);
    return 0;
  }
  if (options.mode === 'micro') {
    for (const name of options.names) {
      process.stdout.write(`\n== micro: ${name}\n`);
      await MICROS[name].run(options);
    }
    return 0;
  }
  const stopAll = () => {
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  if (options.mode === 'side-by-side') {
    const report = await runSideBySide(options);
    process.stdout.write(`${formatSideBySide(report)}\n`);
    return sideBySidePassed(report) ? 0 : 1;
  }
  if (options.mode === 'soak') {
    const report = await runSoak(options);
    process.stdout.write(`${formatSoak(report)}\n`);
    return report.passed ? 0 : 1;
  }
  await runCollectorCost(options);
  return 0;
}

if (require.main === module) {
  let options: BenchOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const chosen = options;
  Promise.resolve()
    .then(() => {
      if (chosen.mode !== 'micro' && chosen.mode !== 'profile-summary') checkBuilt();
      buildTools(chosen);
      return run(chosen);
    })
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        killAll();
        process.exit(1);
      },
    );
}
