// scripts/tools.sh and `npm start` building the Go tools: without Go (says what to install, the
// services still start), with Go (progress, estimate, stamps; a fake `go` stands in for the
// ten-minute build), and once built (quick and quiet).
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { freePort } from '../../scripts/stack/launch';
import { projectRoot } from '../../shared/paths';
import { get } from '../support/http';
import { sleep } from '../support/stack';
import { startJsEnv } from '../support/start-env';

const run = promisify(execFile);
const TOOLS = path.join(projectRoot, 'scripts/tools.sh');
// A PATH with bash and coreutils but no Go (this machine's Go is in /usr/local/go/bin).
const NO_GO_PATH = '/usr/bin:/bin';

/** Runs scripts/tools.sh; resolves with its exit code, stderr (where it logs) and how long it took. */
async function tools(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; ms: number }> {
  const started = Date.now();
  try {
    const { stderr } = await run('bash', [TOOLS, ...args], { env: { HOME: os.homedir(), ...env }, timeout: 60_000 });
    return { code: 0, stderr, ms: Date.now() - started };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, ms: Date.now() - started };
  }
}

describe('Go tools: scripts/tools.sh', function () {
  this.timeout(60_000);
  let dir: string;
  let fakeGoPath: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-tools-'));
    // A folder whose only `go` is the fake, ahead of bash and coreutils.
    fs.mkdirSync(path.join(dir, 'gobin'));
    fs.symlinkSync(path.join(projectRoot, 'test/fixtures/fake-go.sh'), path.join(dir, 'gobin', 'go'));
    fakeGoPath = `${path.join(dir, 'gobin')}:${NO_GO_PATH}`;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without Go: exit 3 and says exactly what to install', async () => {
    const { code, stderr } = await tools(['jaeger', 'ghz'], { PATH: NO_GO_PATH, TOOLS_BIN_DIR: path.join(dir, 'bin') });
    expect(code).to.equal(3);
    expect(stderr).to.contain('[tools] Go is not installed: it is needed to build Jaeger.');
    expect(stderr).to.contain('Install Go 1.24 or newer from https://go.dev/dl/');
    expect(fs.existsSync(path.join(dir, 'bin', 'jaeger'))).to.equal(false);
  });

  it('with a Go older than 1.24: exit 3, naming the version', async () => {
    const { code, stderr } = await tools(['jaeger'], { PATH: fakeGoPath, TOOLS_BIN_DIR: path.join(dir, 'bin'), FAKE_GO_VERSION: 'go1.21.13' });
    expect(code).to.equal(3);
    expect(stderr).to.contain('Go go1.21.13 is too old to build Jaeger: install Go 1.24 or newer from https://go.dev/dl/');
  });

  it('with Go: builds both with an estimate and progress, then reuses them quickly and quietly', async () => {
    const bin = path.join(dir, 'bin');
    const log = path.join(dir, 'go.log');
    const env = { PATH: fakeGoPath, TOOLS_BIN_DIR: bin, FAKE_GO_SECONDS: '2.5', TOOLS_PROGRESS_SECONDS: '1', FAKE_GO_LOG: log };
    const first = await tools(['jaeger', 'ghz'], env);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.match(/building jaeger v1\.75\.0 with go1\.26\.0 \(the first build takes about 10 minutes on 2 cores/);
    expect(first.stderr).to.match(/still building jaeger: 0m0[12]s so far/);
    expect(first.stderr).to.match(/jaeger built in 0m0\ds: .*\/bin\/jaeger/);
    expect(first.stderr).to.match(/ghz built in 0m0\ds/);
    expect(fs.readFileSync(path.join(bin, 'jaeger.version'), 'utf8').trim()).to.equal('v1.75.0');
    expect(fs.readFileSync(path.join(bin, 'ghz.version'), 'utf8').trim()).to.equal('v0.121.0');
    expect(fs.readFileSync(log, 'utf8')).to.match(/get -tool github\.com\/jaegertracing\/jaeger\/cmd\/jaeger@v1\.75\.0/);
    expect(fs.existsSync(path.join(bin, 'jaeger.tmp')), 'no half-built binary left').to.equal(false);

    const again = await tools(['jaeger', 'ghz'], env);
    expect(again.code).to.equal(0);
    expect(again.ms).to.be.lessThan(2_000);
    expect(again.stderr.trim().split('\n')).to.deep.equal([
      `[tools] jaeger v1.75.0 already built: ${bin}/jaeger`,
      `[tools] ghz v0.121.0 already built: ${bin}/ghz`,
    ]);
  });
});

describe('Go tools: scripts/tools.sh otelcol-lb (the collector tier\'s load balancer)', function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-tools-lb-'));
    fs.mkdirSync(path.join(dir, 'gobin'));
    fs.symlinkSync(path.join(projectRoot, 'test/fixtures/fake-go.sh'), path.join(dir, 'gobin', 'go'));
    env = { PATH: `${path.join(dir, 'gobin')}:${NO_GO_PATH}`, TOOLS_BIN_DIR: path.join(dir, 'bin'), FAKE_GO_LOG: path.join(dir, 'go.log'), TMPDIR: dir, TOOLS_PROGRESS_SECONDS: '1' };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds with the collector builder from the manifest, stamps release and manifest, then reuses it; an edited manifest is rebuilt', async () => {
    const manifest = path.join(dir, 'manifest.yaml');
    fs.copyFileSync(path.join(projectRoot, 'deploy/otelcol-lb/manifest.yaml'), manifest);
    const first = await tools(['otelcol-lb'], { ...env, OTELCOL_MANIFEST: manifest });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.match(/building otelcol-lb \(OpenTelemetry Collector v0\.150\.0 with the loadbalancing exporter\) with go1\.26\.0/);
    expect(first.stderr).to.match(/the first build takes about 5 minutes on 2 cores/);
    expect(first.stderr).to.match(/otelcol-lb built in 0m0\ds: .*\/bin\/otelcol-lb/);
    const log = fs.readFileSync(path.join(dir, 'go.log'), 'utf8');
    expect(log).to.contain('install go.opentelemetry.io/collector/cmd/builder@v0.150.0');
    expect(log).to.match(new RegExp(`fake builder --config ${manifest} --skip-get-modules --skip-compilation`));
    expect(log).to.contain('mod tidy -e');
    expect(log).to.match(/build -trimpath -ldflags=-s -w -o otelcol-lb \./);
    expect(fs.readFileSync(path.join(dir, 'bin', 'otelcol-lb.version'), 'utf8')).to.match(/^v0\.150\.0 [0-9a-f]{16}\n$/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('otelcol-lb.')), 'no work folder left').to.deep.equal([]);

    const again = await tools(['otelcol-lb'], { ...env, OTELCOL_MANIFEST: manifest });
    expect(again.stderr.trim()).to.equal(`[tools] otelcol-lb v0.150.0 already built: ${dir}/bin/otelcol-lb`);

    fs.appendFileSync(manifest, '# edited\n');
    const edited = await tools(['otelcol-lb'], { ...env, OTELCOL_MANIFEST: manifest });
    expect(edited.stderr).to.match(/otelcol-lb built in/);
  });

  it('refuses a manifest with a component of another release, naming it', async () => {
    const manifest = path.join(dir, 'manifest.yaml');
    const text = fs.readFileSync(path.join(projectRoot, 'deploy/otelcol-lb/manifest.yaml'), 'utf8');
    fs.writeFileSync(manifest, text.replace('otlpreceiver v0.150.0', 'otlpreceiver v0.149.0'));
    const { code, stderr } = await tools(['otelcol-lb'], { ...env, OTELCOL_MANIFEST: manifest });
    expect(code).to.equal(1);
    expect(stderr).to.contain('has modules off release v0.150.0 / v1.56.0');
    expect(stderr).to.contain('otlpreceiver v0.149.0');
    expect(fs.existsSync(path.join(dir, 'bin', 'otelcol-lb'))).to.equal(false);
  });
});

describe('Go tools: npm start without Go', function () {
  this.timeout(90_000);

  it('says what to install and that tracing has no collector, and still starts the services', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-no-go-'));
    const { env, gatewayPort } = await startJsEnv(dir);
    const lines: string[] = [];
    const child = spawn(process.execPath, ['dist/scripts/start.js'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Nothing answers on JAEGER_HEALTH_PORT, so no running Jaeger is reused.
      env: { ...process.env, ...env, PATH: NO_GO_PATH, TOOLS_BIN_DIR: path.join(dir, 'bin'), JAEGER_HEALTH_PORT: String(await freePort()) },
    });
    for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const giveUp = Date.now() + 60_000;
      while (!lines.some((l) => l.includes('press Ctrl-C to stop'))) {
        if (child.exitCode !== null || Date.now() > giveUp) throw new Error(`no banner:\n${lines.join('\n')}`);
        await sleep(100);
      }
      const text = lines.join('\n');
      expect(text).to.contain('[tools] Go is not installed: it is needed to build Jaeger.');
      expect(text).to.contain('https://go.dev/dl/');
      expect(text).to.match(/Jaeger: not built, so tracing has no collector/);
      expect((await get(`http://127.0.0.1:${gatewayPort}/ready`)).status).to.equal(200);
      child.kill('SIGINT');
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
