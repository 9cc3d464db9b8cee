import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { SideBySideReport } from '../../bench/side-by-side';
import { projectRoot } from '../../shared/paths';

// Two stacks under the same load at once for two short rounds, through the command a user runs.
// 100 rps for 2 s keeps every process at several /proc ticks (10 ms) of CPU a round.
describe('bench: npm run bench:side-by-side, a few seconds of it', function () {
  this.timeout(120_000);

  it('loads every stack at once, pairs the rounds, prints the table, writes the report and stops by itself', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'side-by-side-smoke-'));
    try {
      const args = ['--configs', 'off,on-0-sink', '--load', 'rest-get-user', '--rate', '100', '--rounds', '2', '--duration', '2', '--warmup', '0', '--concurrency', '5', '--out', out];
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join('dist', 'bench', 'side-by-side.js'), ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
        const timer = setTimeout(() => child.kill('SIGINT'), 100_000);
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve({ code: c, stdout, stderr });
        });
      });
      expect(code, `exit code; stderr:\n${stderr}`).to.equal(0);
      expect(stdout).to.match(/rest-get-user at 100 rps on each stack at once, 2 x 2 s/);
      expect(stdout).to.match(/^on-0-sink\s+x\d\.\d{3}/m);
      const files = fs.readdirSync(out).filter((f) => /^side-by-side-.*\.json$/.test(f));
      expect(files).to.have.length(1);
      const report = JSON.parse(fs.readFileSync(path.join(out, files[0]!), 'utf8')) as SideBySideReport;
      expect(report.results.map((r) => r.config)).to.deep.equal(['off', 'on-0-sink']);
      // The baseline against itself is exactly 1 in every round it kept.
      expect(report.results[0]!.medianRatio).to.equal(1);
      for (const [config, rounds] of Object.entries(report.samples)) {
        expect(rounds, config).to.have.length(2);
        for (const r of rounds) {
          expect(r!.count, `${config} answered requests`).to.be.greaterThan(100);
          expect(r!.errors, `${config} errors`).to.equal(0);
          expect(Object.keys(r!.cpuUs).sort(), config).to.deep.equal(['auth', 'gateway', 'user']);
          for (const us of Object.values(r!.cpuUs)) expect(us, `${config} CPU per request`).to.be.greaterThan(0);
        }
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
