import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { BenchReport } from '../../bench/report';
import type { SideBySideReport } from '../../bench/side-by-side';
import { runSoak } from '../../bench/soak';
import { projectRoot } from '../../shared/paths';
import { PROCESS_SPECS } from '../../scripts/stack/process-spec';

// Every process of the stack is sampled, in name order.
const PROCESS_NAMES = PROCESS_SPECS.map((s) => s.name).sort();

/** Runs `node dist/bench/main.js` with `args`; SIGINT at the timeout (the harness then stops its children). */
function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join('dist', 'bench', 'main.js'), ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output = (output + d.toString()).slice(-20_000);
    });
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      resolve({ code, stdout, output });
    });
  });
}

const readJson = <T>(dir: string, pattern: RegExp): T => {
  const files = fs.readdirSync(dir).filter((f) => pattern.test(f));
  expect(files, `reports matching ${pattern}`).to.have.length(1);
  return JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8')) as T;
};

// The default command's path (three stacks side by side, REST and GetUser) at 100 rps for two
// rounds of 2 s: every process still gets several /proc ticks (10 ms) of CPU a round.
describe('bench: npm run bench -- --smoke (the default run, seconds of it)', function () {
  this.timeout(120_000);

  it('loads every stack at once, pairs the rounds, times the latency phase, prints the headline, writes the report and stops by itself', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
    try {
      const { code, stdout, output } = await runBench(['--smoke', '--out', out], 100_000);
      expect(code, `exit code; output:\n${output}`).to.equal(0);
      expect(stdout).to.match(/rest-get-user at 100 rps on each stack at once, 2 x 2 s/);
      expect(stdout).to.match(/CPU per request against off, same rounds \(mean \+- 2 s\.e\.\):\n\s+rest-get-user\s+on-1\.0-sink x\d\.\d\d \+-\d\.\d\d, on-0\.1-sink x\d\.\d\d \+-\d\.\d\d\n\s+ghz-get-user\s+on-1\.0-sink x/);
      expect(stdout).to.match(/Latency against off, same rounds \(mean \+- 2 s\.e\.; met: the whole interval under the target\):\n\s+rest-get-user\s+c=1\s+on-1\.0-sink\s+p50 x\d\.\d\d \+-\d\.\d\d \(<= x1\.05: (met|missed|unresolved)\), p99 x\d/);
      const report = readJson<SideBySideReport>(out, /^side-by-side-.*\.json$/);
      expect(fs.readdirSync(out).filter((f) => /^side-by-side-.*\.md$/.test(f))).to.have.length(1);
      expect(report.comparisons.map((c) => c.load)).to.deep.equal(['rest-get-user', 'ghz-get-user']);
      // The latency phase: off against lean 1.0 into the sink and into a real Jaeger, c=1 and at the rate, every request timed.
      const latency = report.latency!.comparisons;
      expect(latency.map((c) => `${c.load} ${c.probe} ${c.traced}`)).to.deep.equal([
        'rest-get-user c1 on-1.0-sink', 'rest-get-user c1 on-1.0', 'rest-get-user rate on-1.0-sink', 'rest-get-user rate on-1.0',
        'ghz-get-user c1 on-1.0-sink', 'ghz-get-user c1 on-1.0', 'ghz-get-user rate on-1.0-sink', 'ghz-get-user rate on-1.0',
      ]);
      for (const c of latency) {
        expect(c.summary.errors, `${c.load} ${c.probe} ${c.traced} errors`).to.equal(0);
        for (const { baseline, traced } of c.rounds) {
          // c=1: 40 requests a stack; at 100 rps for 1 s, about 100 (ghz's last calls may be cut at the end).
          for (const side of [baseline, traced]) expect(side.count, `${c.load} ${c.probe} timed`).to.be.at.least(c.probe === 'c1' ? 40 : 80);
          expect(traced.p50Ms, `${c.load} ${c.probe} p50`).to.be.within(0.05, 1000);
        }
      }
      for (const c of report.comparisons) {
        expect(c.results.map((r) => r.config)).to.deep.equal(['off', 'on-1.0-sink', 'on-0.1-sink']);
        // The baseline against itself is exactly 1 in every round it kept.
        expect(c.results[0]!.medianRatio).to.equal(1);
        for (const [label, rounds] of Object.entries(c.samples)) {
          expect(rounds, label).to.have.length(2);
          for (const r of rounds) {
            expect(r!.count, `${c.load} ${label} answered requests`).to.be.greaterThan(100);
            expect(r!.errors, `${c.load} ${label} errors`).to.equal(0);
            expect(Object.keys(r!.cpuUs).sort(), label).to.deep.equal(PROCESS_NAMES);
            expect(r!.cpuUs.user, `${c.load} ${label} user CPU per request`).to.be.greaterThan(0);
          }
        }
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('bench: npm run bench -- --capacity --smoke, two configurations', function () {
  this.timeout(150_000);

  it('measures each configuration in turn, counts spans at the sink, writes the JSON and markdown reports', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-capacity-'));
    try {
      const args = ['--capacity', '--smoke', '--configs', 'off,on-1.0-sink', '--loads', 'rest-get-user,ghz-get-user', '--out', out];
      const { code, output } = await runBench(args, 130_000);
      expect(code, `exit code; output:\n${output}`).to.equal(0);
      const report = readJson<BenchReport>(out, /^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
      expect(report.aborted).to.equal(false);
      expect(report.summary.map((r) => `${r.load} ${r.config}`)).to.deep.equal(['ghz-get-user off', 'ghz-get-user on-1.0-sink', 'rest-get-user off', 'rest-get-user on-1.0-sink']);
      for (const r of report.summary) {
        expect(r.errors, `${r.load} ${r.config} errors`).to.equal(0);
        expect(r.rps, `${r.load} ${r.config} rps`).to.be.greaterThan(0);
        expect(r.cpuUsPerRequest, `${r.load} ${r.config} CPU`).to.be.greaterThan(0);
        for (const role of ['gateway', 'user', 'auth']) expect(r.processes[role]?.peakRssMb, `${role} RSS`).to.be.within(10, 4096);
      }
      expect(report.summary.find((r) => r.config === 'on-1.0-sink')?.cpuRatio).to.be.greaterThan(0);
      expect(report.spans['on-1.0-sink']?.total.exported).to.be.greaterThan(0);
      expect(report.spans.off?.total.ended).to.equal(0);
      expect(report.sink?.requests, 'sink POSTs').to.be.greaterThan(0);
      expect(report.gatewayOverhead, 'gateway overhead').to.not.equal(undefined);
      const latest = fs.readFileSync(path.join(out, 'latest.md'), 'utf8');
      expect(latest).to.include('| load | config | rps |').and.include('## CPU per request').and.include('OTLP sink (whole run)');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('bench: --soak, a few seconds of it', function () {
  this.timeout(120_000);

  it('runs both loads against a traced stack, stops by itself and reports memory per process', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-smoke-'));
    try {
      const report = await runSoak({ mode: 'soak', durationS: 4, concurrency: 5, outDir: out }, () => undefined);
      for (const name of ['ghz-get-user', 'rest-get-user'] as const) {
        expect(report.loads[name].count, `${name} calls`).to.be.greaterThan(0);
        expect(report.loads[name].errors, `${name} errors`).to.equal(0);
      }
      expect(Object.keys(report.memory).sort()).to.deep.equal(PROCESS_NAMES);
      for (const m of Object.values(report.memory)) expect(m.firstHalfPeakMb).to.be.greaterThan(0);
      expect(fs.readdirSync(out).filter((f) => f.startsWith('soak-'))).to.have.length(1);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
