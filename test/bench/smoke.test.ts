import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CONFIGS, DEFAULT_CONFIGS } from '../../bench/configs';
import { LOADS, LOAD_NAMES } from '../../bench/loads';
import type { BenchReport, SummaryRow } from '../../bench/report';
import { runSoak } from '../../bench/soak';
import { projectRoot } from '../../shared/paths';

// 8 configurations (7 stacks) x 8 loads at 2 s each, plus start-up and quiescing: ~4 minutes on 2 cores.
const RUN_TIMEOUT_MS = 420_000;

/** Runs `node dist/bench/run.js` with `args`; SIGINT at the timeout (the harness then stops its children), SIGKILL 20 s later. */
function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join('dist', 'bench', 'run.js'), ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    let kill: NodeJS.Timeout | undefined;
    const interrupt = setTimeout(() => {
      child.kill('SIGINT');
      kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(interrupt);
      clearTimeout(kill);
      process.off('exit', killOnExit);
      resolve({ code, output });
    });
  });
}

describe('bench: npm run bench -- --smoke', function () {
  let outDir: string;
  let report: BenchReport;
  let output = '';

  before(async function () {
    this.timeout(RUN_TIMEOUT_MS + 30_000);
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
    const run = await runBench(['--smoke', '--out', outDir], RUN_TIMEOUT_MS);
    output = run.output;
    expect(run.code, `bench exit code; output:\n${output}`).to.equal(0);
    const reports = fs.readdirSync(outDir).filter((f) => /^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/.test(f));
    expect(reports, 'JSON reports written').to.have.length(1);
    report = JSON.parse(fs.readFileSync(path.join(outDir, reports[0]!), 'utf8')) as BenchReport;
  });

  after(function () {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`\nbench output (tail):\n${output.slice(-4000)}\n`);
  });

  const row = (config: string, load: string): SummaryRow | undefined =>
    report.summary.find((r) => r.config === config && r.load === load);

  it('ran a complete smoke run: 1 round, every configuration and load', function () {
    expect(report.aborted).to.equal(false);
    expect(report.options.smoke).to.equal(true);
    expect(report.options.rounds).to.equal(1);
    expect(report.configs.map((c) => c.name)).to.deep.equal([...DEFAULT_CONFIGS]);
    expect(report.loads.map((l) => l.name)).to.deep.equal([...LOAD_NAMES]);
  });

  it('measured every applicable configuration x load with rps > 0 and real latencies', function () {
    const missing: string[] = [];
    for (const config of DEFAULT_CONFIGS) {
      for (const load of LOAD_NAMES) {
        if (!LOADS[load].appliesTo(CONFIGS[config])) continue;
        const r = row(config, load);
        if (!r || !(r.rps > 0) || !(r.count > 0) || !(r.p50Ms > 0) || r.p99Ms < r.p50Ms) {
          missing.push(`${config} x ${load}: ${r ? `rps ${r.rps}, count ${r.count}, p50 ${r.p50Ms}, p99 ${r.p99Ms}` : 'absent'}`);
        }
      }
    }
    expect(missing, 'pairs without a real measurement').to.deep.equal([]);
  });

  it('had zero errors on every load, login included', function () {
    const failing = report.summary
      // With Jaeger down only export fails; the requests must not.
      .filter((r) => r.errors !== 0)
      .map((r) => `${r.config} x ${r.load}: ${r.errors} errors ${JSON.stringify(r.statusCodes)} ${JSON.stringify(r.errorMessages)}`);
    expect(failing).to.deep.equal([]);
  });

  it('counted spans: exported at on-1.0, none at off, failed or dropped with Jaeger down', function () {
    const on = report.spans['on-1.0']?.total;
    expect(on, 'on-1.0 span stats').to.not.equal(undefined);
    expect(on!.exported).to.be.greaterThan(0);
    expect(Object.keys(report.spans['on-1.0']!.processes).sort()).to.deep.equal(['auth', 'gateway', 'user']);
    expect(report.spans.off?.total.ended).to.equal(0);
    const down = report.spans['on-1.0-jaeger-down']?.total;
    expect(down?.exported).to.equal(0);
    expect((down?.failed ?? 0) + (down?.dropped ?? 0)).to.be.greaterThan(0);
  });

  it('counted spans exported to the discard sink, and the sink counted their POSTs', function () {
    for (const config of ['on-1.0-sink', 'on-0.1-sink', 'auto-1.0-sink'] as const) {
      const total = report.spans[config]?.total;
      expect(total?.exported, `${config} exported`).to.be.greaterThan(0);
      expect(total?.failed, `${config} failed`).to.equal(0);
    }
    expect(report.sink?.requests, 'sink POSTs').to.be.greaterThan(0);
    expect(report.sink?.bytes, 'sink bytes').to.be.greaterThan(0);
    expect(report.sink?.otherRequests).to.equal(0);
    expect(report.configs.find((c) => c.name === 'auto-1.0-sink')?.env?.TRACING_INSTRUMENTATION).to.equal('auto');
    expect(report.configs.find((c) => c.name === 'on-1.0-sink')?.env?.TRACING_INSTRUMENTATION).to.equal('lean');
  });

  it('measured CPU per request of every stack row, paired against off, and the sink and Jaeger CPU', function () {
    const bad: string[] = [];
    for (const r of report.summary) {
      if (CONFIGS[r.config].kind !== 'stack') continue;
      const roles = ['gateway', 'user', 'auth'].map((role) => r.processes[role]?.cpuUsPerRequest);
      if (!(r.cpuUsPerRequest! > 0) || roles.some((v) => v === undefined || v < 0)) {
        bad.push(`${r.config} x ${r.load}: ${r.cpuUsPerRequest} µs/req (${roles.join('/')})`);
      }
      // 10 ms /proc ticks over 2 s loads: loose bounds, only "a real number came out".
      if (r.cpuUsPerRequest! > 1_000_000) bad.push(`${r.config} x ${r.load}: ${r.cpuUsPerRequest} µs/req is absurd`);
      if (r.config !== 'off' && row('off', r.load) && !(r.cpuRatio! > 0)) bad.push(`${r.config} x ${r.load}: cpuRatio ${r.cpuRatio}`);
      if (r.sinkCpuPct === undefined || r.jaegerCpuPct === undefined) bad.push(`${r.config} x ${r.load}: sink/jaeger CPU not sampled`);
    }
    expect(bad).to.deep.equal([]);
    expect(row('off', 'rest-get-user')?.cpuRatio, 'off has no ratio to itself').to.equal(undefined);
    expect(row('ceiling', 'ghz-echo')?.cpuUsPerRequest).to.be.greaterThan(0);
  });

  it('sampled RSS and CPU of every process of the configuration under load', function () {
    const r = row('off', 'rest-get-user');
    for (const role of ['gateway', 'user', 'auth']) {
      expect(r?.processes[role]?.peakRssMb, `${role} RSS`).to.be.within(10, 4096);
      expect(r?.processes[role]?.cpuPct, `${role} CPU`).to.be.greaterThan(0);
    }
    expect(report.gatewayOverhead, 'gateway overhead').to.not.equal(undefined);
    expect(report.targets.length).to.be.greaterThan(0);
  });

  it('wrote the markdown report and latest.md', function () {
    const latest = fs.readFileSync(path.join(outDir, 'latest.md'), 'utf8');
    expect(latest).to.include('| load | config | rps |');
    expect(latest).to.include('CPU µs/req');
    expect(latest).to.include('## CPU per request');
    expect(latest).to.include('OTLP sink (whole run)');
    expect(latest).to.match(/\*\*(PASS|MISS|n\/a)\*\*/);
  });
});

describe('soak script (npm run soak), a few seconds of it', function () {
  this.timeout(120_000);

  it('runs both loads against a traced stack, stops by itself and reports memory per process', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-smoke-'));
    try {
      const report = await runSoak({ durationS: 4, concurrency: 5, outDir: out }, () => undefined);
      for (const name of ['ghz-get-user', 'rest-get-user'] as const) {
        expect(report.loads[name].count, `${name} calls`).to.be.greaterThan(0);
        expect(report.loads[name].errors, `${name} errors`).to.equal(0);
      }
      expect(Object.keys(report.memory).sort()).to.deep.equal(['auth', 'gateway', 'user']);
      for (const m of Object.values(report.memory)) expect(m.firstHalfPeakMb).to.be.greaterThan(0);
      expect(fs.readdirSync(out).filter((f) => f.startsWith('soak-'))).to.have.length(1);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
