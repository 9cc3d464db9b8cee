// `npm run bench -- --soak`: the long-load check. One stack with tracing on (lean, sampling 1.0, to
// a real Jaeger), ghz on GetUser and autocannon on REST GET user at once for --duration seconds,
// at --concurrency. Passes when no call fails and no process's RSS grows by 10% or more
// from the first half of the run to the second. Stops by itself; loopback only.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../shared/paths';
import { startStack, type RunningConfig } from './bench-stack';
import type { SoakOptions } from './cli';
import { startJaeger, type BenchJaeger } from './jaeger';
import type { LoadResult } from './load-result';
import { planLoad, runPlanned } from './load-plan';
import { ProcSampler, type ProcUsage } from './proc-sampler';

/** Largest RSS growth from the first half of the run to the second that still passes. */
export const MAX_RSS_GROWTH = 0.1;

/** One process's RSS over the two halves. */
export interface SoakMemory {
  firstHalfPeakMb: number;
  secondHalfPeakMb: number;
  /** secondHalfPeakMb / firstHalfPeakMb - 1. */
  growth: number;
}

/** What a soak run measured and whether it passed. */
export interface SoakReport {
  startedAt: string;
  durationS: number;
  concurrency: number;
  loads: Record<'ghz-get-user' | 'rest-get-user', LoadResult>;
  memory: Record<string, SoakMemory>;
  /** CPU of each process over the whole run, percent of one core. */
  cpuPct: Record<string, number>;
  failures: string[];
  passed: boolean;
}

/** Compares the halves and the loads against the pass criteria; returns what failed. */
export function soakFailures(loads: SoakReport['loads'], memory: Record<string, SoakMemory>): string[] {
  const failures: string[] = [];
  for (const [name, r] of Object.entries(loads)) {
    if (r.count === 0) failures.push(`${name}: no call completed`);
    if (r.errors > 0) failures.push(`${name}: ${r.errors} failed calls ${JSON.stringify(r.errorMessages)}`);
  }
  for (const [role, m] of Object.entries(memory)) {
    if (!(m.growth < MAX_RSS_GROWTH)) {
      failures.push(`${role}: RSS grew ${(m.growth * 100).toFixed(1)}% from the first half to the second (${m.firstHalfPeakMb} -> ${m.secondHalfPeakMb} MB)`);
    }
  }
  return failures;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the soak and writes its report; resolves with it. */
export async function runSoak(options: SoakOptions, log: (line: string) => void = (l) => process.stderr.write(`[soak] ${l}\n`)): Promise<SoakReport> {
  let jaeger: BenchJaeger | undefined;
  let stack: RunningConfig | undefined;
  try {
    log('starting Jaeger and the stack (tracing on, sampling 1.0)');
    jaeger = await startJaeger();
    stack = await startStack('on-1.0', { jaegerOtlpUrl: jaeger.otlpHttpUrl });
    const shape = { concurrency: options.concurrency, durationS: options.durationS, ghzCpus: 1, rate: 0 };
    const processes = stack.processes;

    const sample = () => {
      const sampler = new ProcSampler(200);
      for (const p of processes) sampler.add(p.role, p.proc.pid);
      sampler.start();
      return sampler;
    };
    const whole = sample();
    let half = sample();
    log(`ghz GetUser and autocannon REST GET user at once, c=${options.concurrency}, ${options.durationS} s`);
    const startedAt = new Date().toISOString();
    const loads = Promise.all([runPlanned(planLoad('ghz-get-user', stack, shape)), runPlanned(planLoad('rest-get-user', stack, shape))]);
    await sleep((options.durationS * 1000) / 2);
    const first = half.stop();
    half = sample();
    const [ghz, rest] = await loads;
    const second = half.stop();
    const overall = whole.stop();

    const memory: Record<string, SoakMemory> = {};
    for (const p of processes) {
      const a = first[p.role] as ProcUsage | undefined;
      const b = second[p.role] as ProcUsage | undefined;
      if (!a || !b) continue;
      memory[p.role] = { firstHalfPeakMb: a.peakRssMb, secondHalfPeakMb: b.peakRssMb, growth: Math.round((b.peakRssMb / a.peakRssMb - 1) * 10_000) / 10_000 };
    }
    const loadResults = { 'ghz-get-user': ghz, 'rest-get-user': rest };
    const failures = soakFailures(loadResults, memory);
    const report: SoakReport = {
      startedAt,
      durationS: options.durationS,
      concurrency: options.concurrency,
      loads: loadResults,
      memory,
      cpuPct: Object.fromEntries(Object.entries(overall).map(([role, u]) => [role, u.cpuPct])),
      failures,
      passed: failures.length === 0,
    };
    fs.mkdirSync(options.outDir, { recursive: true });
    const file = path.join(options.outDir, `soak-${startedAt.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`report: ${path.relative(projectRoot, file)}`);
    return report;
  } finally {
    await stack?.stop();
    await jaeger?.stop();
  }
}

/** The report as a few lines for the terminal (and bench/README.md). */
export function formatSoak(report: SoakReport): string {
  const lines = [`soak ${report.durationS} s at c=${report.concurrency}, tracing on (sampling 1.0, real Jaeger): ${report.passed ? 'PASS' : 'FAIL'}`];
  for (const [name, r] of Object.entries(report.loads)) {
    lines.push(`  ${name}: ${r.count} calls, ${Math.round(r.rps)} rps, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, errors ${r.errors}`);
  }
  for (const [role, m] of Object.entries(report.memory)) {
    lines.push(`  ${role}: RSS peak ${m.firstHalfPeakMb} MB -> ${m.secondHalfPeakMb} MB (${m.growth >= 0 ? '+' : ''}${(m.growth * 100).toFixed(1)}%), CPU ${report.cpuPct[role]}% of a core`);
  }
  for (const f of report.failures) lines.push(`  FAIL ${f}`);
  return lines.join('\n');
}
