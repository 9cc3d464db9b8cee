import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../shared/paths';
import { forEachDatabase } from '../support/databases';
import { rememberSecretsIn } from '../support/secrets';
import { useStack } from '../support/stack';

/** What one run of scripts/schemathesis.sh printed and how it ended. */
interface FuzzRun {
  code: number | null;
  output: string;
  elapsedMs: number;
}

/** Runs `scripts/schemathesis.sh run <url>` to the end, collecting stdout and stderr together. */
function runSchemathesis(gatewayUrl: string, env: Record<string, string>): Promise<FuzzRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(projectRoot, 'scripts', 'schemathesis.sh'), 'run', gatewayUrl], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, elapsedMs: Date.now() - started }));
  });
}

/** The part of Schemathesis' output worth reading after a failure: from its failure list on. */
function report(output: string): string {
  const at = output.search(/={5,} (FAILURES|ERRORS) ={5,}/);
  return at >= 0 ? output.slice(at) : output.slice(-6000);
}

// Schemathesis (PyPI, in the venv scripts/schemathesis.sh makes) against a real stack's
// /openapi.json: every phase, the six checks (response headers among them), a fixed seed. Zero failures or this fails with
// Schemathesis' own report. On both engines: PostgreSQL refuses some text SQLite stores (NUL).
forEachDatabase((database) => describe(`fuzz: Schemathesis against /openapi.json [${database}]`, function () {
  // Venv creation on a first run (~30 s) plus the run itself (the script's own bound is 300 s).
  this.timeout(420_000);
  const stack = useStack({ database });
  let run: FuzzRun;
  let secretsFile: string;

  before(async function () {
    this.timeout(420_000);
    secretsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-')), 'secrets.jsonl');
    run = await runSchemathesis(stack().gatewayUrl, { SCHEMATHESIS_SECRETS_FILE: secretsFile });
    // The hook's users' passwords and tokens join the suite's secrets for the telemetry audit.
    const lines = fs.existsSync(secretsFile) ? fs.readFileSync(secretsFile, 'utf8').split('\n').filter(Boolean) : [];
    for (const line of lines) rememberSecretsIn(JSON.parse(line));
    process.stderr.write(`      (schemathesis ran ${(run.elapsedMs / 1000).toFixed(1)} s)\n`);
  });

  after(() => fs.rmSync(path.dirname(secretsFile), { recursive: true, force: true }));

  it('finds no failure in any phase with any check', () => {
    expect(run.code, `schemathesis exited ${run.code}:\n${report(run.output)}`).to.equal(0);
    expect(run.output).to.match(/Test cases:\s+(\d+) generated, \1 passed/);
  });

  it('ran every phase, the stateful one with scenarios of its own', () => {
    for (const phase of ['Examples', 'Coverage', 'Fuzzing', 'Stateful']) {
      expect(run.output, phase).to.match(new RegExp(`✅ ${phase}\\b`));
    }
    const scenarios = /Scenarios:\s+(\d+)/.exec(run.output);
    expect(Number(scenarios?.[1] ?? 0), 'stateful scenarios').to.be.greaterThan(0);
    const cases = Number(/Test cases:\s+(\d+) generated/.exec(run.output)?.[1] ?? 0);
    expect(cases, 'test cases').to.be.greaterThan(500);
  });

  it('kept authenticating after the fuzzer logged its user out or deleted it', () => {
    // The stateful phase calls logout and DELETE /users/{id} with the token the hook gave it;
    // without a fresh user after that, every later protected call would be a (documented) 401.
    const reauth = /Re-authenticated (\d+) times?/.exec(run.output);
    expect(Number(reauth?.[1] ?? 0), 'Schemathesis re-authenticated after a 401').to.be.greaterThan(0);
    const registered = fs.readFileSync(secretsFile, 'utf8').split('\n').filter(Boolean).length;
    expect(registered, 'users the hook registered').to.be.greaterThan(1);
  });
}));
