import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { freePort, launchProcess, stop, waitForReady, type LaunchedProcess } from '../../scripts/stack/launch';
import { PROCESS_SPECS, stopOrder } from '../../scripts/stack/process-spec';
import { REPLICATED } from '../../scripts/stack/replicas';
import { projectRoot } from '../../shared/paths';
import { failures, loadGets } from '../support/get-load';
import { get, post } from '../support/http';
import { sleep } from '../support/stack';
import { tlsEnvOf } from '../support/pki';
import { startJsEnv } from '../support/start-env';
import { freeCollectorTierPorts } from '../../scripts/stack/collector-tier';
import { MAX_RESTARTS } from '../../scripts/stack/supervisor';

/** Whether a pid still names a live process. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of `pids` is alive (they may be reaped a moment after their parent exits). */
async function expectAllGone(pids: number[], withinMs = 5_000): Promise<void> {
  const giveUp = Date.now() + withinMs;
  while (pids.some(alive) && Date.now() < giveUp) await sleep(50);
  expect(pids.filter(alive), 'still running').to.deep.equal([]);
}

describe('launcher: scripts/stack/launch', function () {
  this.timeout(60_000);
  const started: LaunchedProcess[] = [];
  let dataDir: string;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-'));
  });
  after(async () => {
    for (const proc of started) await stop(proc, 'SIGKILL', 1_000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts the auth service on a free port with its own database. */
  async function launchAuth(extraEnv: Record<string, string> = {}): Promise<{ proc: LaunchedProcess; lines: string[] }> {
    const lines: string[] = [];
    const port = await freePort();
    const proc = launchProcess({
      name: 'auth',
      folder: 'services/auth',
      env: { AUTH_SERVICE_PORT: String(port), AUTH_DB_PATH: path.join(dataDir, `auth-${port}.db`), NODE_ENV: 'test', ...(await tlsEnvOf('auth-service')), ...extraEnv },
      onLine: (line) => lines.push(line),
    });
    started.push(proc);
    return { proc, lines };
  }

  it('freePort() returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).to.be.within(1024, 65535);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('waitForReady() resolves with the ready record, after a too-short wait timed out', async () => {
    const { proc, lines } = await launchAuth();
    let timeoutError: Error | undefined;
    await waitForReady(proc, 1).catch((err: Error) => (timeoutError = err));
    expect(timeoutError?.message).to.match(/auth was not ready within 1 ms/);
    const record = await waitForReady(proc, 30_000);
    expect(record.msg).to.equal('ready');
    expect(Number(record.port)).to.equal(Number(proc.readyRecord?.port));
    expect(Number(record.port)).to.be.greaterThan(0);
    expect(lines.some((l) => l.includes('"msg":"ready"'))).to.equal(true);
    expect(await stop(proc)).to.equal(0);
    expect(proc.running).to.equal(false);
  });

  it('waitForReady() rejects with the output tail when the process exits first', async () => {
    const { proc } = await launchAuth({ AUTH_SERVICE_PORT: 'not-a-port' });
    let error: Error | undefined;
    await waitForReady(proc, 30_000).catch((err: Error) => (error = err));
    expect(error?.message).to.match(/auth exited before it was ready \(exit code [1-9]/);
    expect(error?.message).to.include('AUTH_SERVICE_PORT');
  });

  it('stop() wakes a frozen (SIGSTOP) process so it can shut down gracefully', async () => {
    const { proc } = await launchAuth();
    await waitForReady(proc, 30_000);
    process.kill(proc.pid!, 'SIGSTOP');
    expect(await stop(proc, 'SIGTERM', 10_000)).to.equal(0);
  });

  it('stop() escalates to SIGKILL when the signal is ignored', async () => {
    const { proc } = await launchAuth();
    await waitForReady(proc, 30_000);
    // Node ignores SIGWINCH, so only the SIGKILL after the timeout ends it.
    const started = Date.now();
    expect(await stop(proc, 'SIGWINCH', 300)).to.equal(null);
    expect(proc.exitInfo?.signal).to.equal('SIGKILL');
    expect(Date.now() - started).to.be.within(250, 5_000);
  });
});

describe('launcher: npm start (dist/scripts/start.js)', function () {
  this.timeout(90_000);
  let dataDir: string;
  let child: ChildProcess | undefined;
  let lines: string[] = [];
  let exited: Promise<number | null> = Promise.resolve(null);

  /** Runs `start.js <args>` on free ports (instance i of a service on its port + 100 x i) with its own data dir. */
  async function launch(args: string[] = [], extraEnv: Record<string, string> = {}): Promise<void> {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-'));
    const env = { ...(await startJsEnv(dataDir)).env, ...extraEnv };
    lines = [];
    // start.ts passes its environment through, so ports and files can be moved off the defaults.
    child = spawn(process.execPath, ['dist/scripts/start.js', ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => lines.push(line));
    }
    exited = new Promise((resolve) => child!.once('close', (code) => resolve(code)));
  }

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`\nstart.js output:\n${lines.slice(-80).join('\n')}\n`);
    // A test that failed half-way leaves the launcher running: stop it as Ctrl-C does, so its
    // hooks stop the Jaeger or the collector tier they started; then kill whatever is left.
    if (child?.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, sleep(25_000)]);
    }
    for (const pid of [...childPids(), ...jaegerPids()]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
    child = undefined;
  });

  /** The pids start.js reported for its children. */
  function childPids(): number[] {
    return lines.flatMap((l) => {
      const m = /^\[start\]\s+[\w-]+ started \(pid (\d+)\)/.exec(l);
      return m ? [Number(m[1])] : [];
    });
  }

  /** The pids of the Jaeger the launcher started, if it started one. */
  function jaegerPids(): number[] {
    return lines.flatMap((l) => {
      const m = /^\[jaeger\]\s+started \(pid (\d+)\)/.exec(l);
      return m ? [Number(m[1])] : [];
    });
  }

  /** Waits for the whole banner ("gateway listening on <url>" to "press Ctrl-C to stop") and returns the URL. */
  async function bannerUrl(): Promise<string> {
    const giveUp = Date.now() + 60_000;
    while (Date.now() < giveUp) {
      // The banner's lines can arrive in separate reads: the last one says it is all there.
      const url = lines.map((line) => /gateway listening on (http:\/\/\S+)/.exec(line)?.[1]).find(Boolean);
      if (url && lines.some((line) => line.includes('press Ctrl-C to stop'))) return url;
      if (child?.exitCode !== null) throw new Error(`start.js exited early:\n${lines.join('\n')}`);
      await sleep(100);
    }
    throw new Error(`no banner:\n${lines.join('\n')}`);
  }

  it('starts auth, user and gateway with prefixed output, and Ctrl-C stops them gateway-first with exit 0', async () => {
    await launch();
    const url = await bannerUrl();
    expect((await get(`${url}/ready`)).status).to.equal(200);
    expect(lines.some((l) => l.includes(`${url}/openapi.json`))).to.equal(true);
    expect(lines.some((l) => /curl .*\/api\/v1\/auth\/register/.test(l))).to.equal(true);
    const names = PROCESS_SPECS.map((spec) => spec.name);
    for (const name of names) {
      expect(lines.some((l) => l.startsWith(`[${name}]`) && l.includes('"msg":"ready"')), `${name} ready line`).to.equal(true);
    }
    // Not a TTY here, so no color codes.
    expect(lines.some((l) => l.includes('\u001b['))).to.equal(false);
    // The Go tools are built (npm test builds them first), so the start neither builds nor mentions them.
    expect(lines.filter((l) => l.startsWith('[tools]'))).to.deep.equal([]);
    // In the order of scripts/stack/process-spec.ts (auth, user, ..., gateway), each once.
    const started = lines.flatMap((l) => /^\[start\]\s+([\w-]+) started \(pid/.exec(l)?.[1] ?? []);
    expect(started).to.deep.equal(names);

    const pids = childPids();
    expect(pids).to.have.length(names.length);
    child!.kill('SIGINT');
    expect(await exited).to.equal(0);
    const stopped = lines.flatMap((l) => /^\[start\]\s+([\w-]+) stopped \(exit code 0\)/.exec(l)?.[1] ?? []);
    expect(stopped, lines.slice(-20).join('\n')).to.deep.equal(stopOrder().map((spec) => spec.name));
    await expectAllGone(pids);
  });

  /** The pid of the process now running `label` (the last one the launcher reported starting). */
  function pidOf(label: string): number | undefined {
    const pattern = new RegExp(`^\\[start\\]\\s+${label} started \\(pid (\\d+)\\)`);
    return lines.flatMap((l) => pattern.exec(l)?.[1] ?? []).map(Number).at(-1);
  }

  /** The ports `label` logged ready on, in order (one per start). */
  function readyPorts(label: string): number[] {
    return lines.flatMap((l) => (l.startsWith(`[${label}]`) && l.includes('"msg":"ready"') ? [Number(JSON.parse(l.slice(l.indexOf('{'))).port)] : []));
  }

  /** Waits until `label` has logged ready `count` times. */
  async function untilReady(label: string, count: number, withinMs = 30_000): Promise<void> {
    const giveUp = Date.now() + withinMs;
    while (readyPorts(label).length < count) {
      if (Date.now() > giveUp) throw new Error(`${label} was not ready ${count} times within ${withinMs} ms`);
      if (child?.exitCode !== null) throw new Error('start.js exited');
      await sleep(50);
    }
  }

  it('restarts a killed process on its port, and stops the others with exit 1 once it exits too often to keep restarting', async () => {
    await launch();
    const url = await bannerUrl();
    const firstPort = readyPorts('user')[0];
    for (let restart = 1; restart <= MAX_RESTARTS; restart++) {
      process.kill(pidOf('user')!, 'SIGKILL');
      await untilReady('user', restart + 1);
      expect(readyPorts('user')[restart], `restart ${restart}'s port`).to.equal(firstPort);
      if (restart === 1) expect((await get(`${url}/ready`)).status, 'the stack serves after a restart').to.equal(200);
    }
    expect(lines.filter((l) => /^\[start\]\s+user exited \(signal SIGKILL\); restarting it on port (\d+)$/.exec(l)?.[1] === String(firstPort))).to.have.length(MAX_RESTARTS);
    const pids = childPids();
    process.kill(pidOf('user')!, 'SIGKILL');
    expect(await exited).to.equal(1);
    expect(lines.some((l) => l.includes(`user exited (signal SIGKILL) ${MAX_RESTARTS} times within a minute: not restarted again`))).to.equal(true);
    expect(lines.some((l) => l.includes('user cannot run again; stopping the others'))).to.equal(true);
    await expectAllGone(pids);
  });

  it('--replicas 2: one user and one auth instance killed under load are restarted on their ports, the others keep serving, and no GET fails', async () => {
    await launch(['--replicas', '2']);
    const url = await bannerUrl();
    const who = await post(`${url}/api/v1/auth/register`, { email: 'restart@example.test', password: 'correct horse battery', name: 'R' });
    expect(who.status).to.equal(201);
    const victims = ['user-1', 'auth-1'];
    const method: Record<string, string> = { 'user-1': '/user.v1.UserService/GetUser', 'auth-1': '/auth.v1.AuthService/ValidateToken' };
    const killed = victims.map((label) => pidOf(label)!);
    // After the kill: until each victim is ready again and has served a call of the load.
    let killedYet = false;
    let back = false;
    const servesAgain = (label: string) => {
      const own = lines.filter((l) => l.startsWith(`[${label}]`));
      const restarted = own.map((l) => l.includes('"msg":"ready"')).lastIndexOf(true);
      return own.slice(restarted).some((l) => l.includes(`"rpc":"${method[label]}"`));
    };
    const watcher = (async () => {
      const giveUp = Date.now() + 60_000;
      while (!back && Date.now() < giveUp) {
        await sleep(100);
        back = killedYet && victims.every((label) => readyPorts(label).length === 2 && servesAgain(label));
      }
    })();
    const results = await loadGets(`${url}/api/v1/users/${who.body.user.id}`, who.body.accessToken, () => !back && child?.exitCode === null, 10, (done) => {
      if (done !== 100) return;
      killedYet = true;
      for (const pid of killed) process.kill(pid, 'SIGKILL');
    });
    back = true;
    await watcher;
    expect(child?.exitCode, 'the launcher is still running').to.equal(null);
    for (const label of victims) {
      expect(readyPorts(label), `${label} ready again on its port`).to.have.length(2);
      expect(readyPorts(label)[1]).to.equal(readyPorts(label)[0]);
      expect(pidOf(label), `${label} runs as a new process`).to.not.be.oneOf(killed);
      expect(lines.some((l) => l.includes(`${label} exited (signal SIGKILL); restarting it on port ${readyPorts(label)[0]}`)), `${label} restart message`).to.equal(true);
      expect(servesAgain(label), `${label} serves again`).to.equal(true);
    }
    expect(results.length).to.be.greaterThan(100);
    expect(failures(results), `of ${results.length} GETs`).to.deep.equal({});

    const pids = childPids();
    child!.kill('SIGINT');
    expect(await exited).to.equal(0);
    await expectAllGone(pids);
  });

  it('--replicas 2 starts two instances each of auth and user on port + 100, and the callers reach all of them', async () => {
    await launch(['--replicas', '2']);
    const url = await bannerUrl();
    const started = lines.flatMap((l) => /^\[start\]\s+([\w-]+) started \(pid/.exec(l)?.[1] ?? []);
    expect(started).to.deep.equal(PROCESS_SPECS.flatMap((spec) => (REPLICATED.includes(spec.name) ? [`${spec.name}-0`, `${spec.name}-1`] : [spec.name])));
    expect(lines.some((l) => /^\[start\]\s+ user: +ipv4:127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/.test(l)), 'banner names both user instances').to.equal(true);
    const ports = (label: string) =>
      lines.flatMap((l) => (l.startsWith(`[${label}]`) && l.includes('"msg":"ready"') ? [Number(JSON.parse(l.slice(l.indexOf('{'))).port)] : []));
    expect(ports('auth-1')[0]).to.equal(ports('auth-0')[0]! + 100);
    expect(ports('user-1')[0]).to.equal(ports('user-0')[0]! + 100);

    const who = await post(`${url}/api/v1/auth/register`, { email: 'replicas@example.test', password: 'correct horse battery', name: 'R' });
    expect(who.status).to.equal(201);
    for (let i = 0; i < 30; i++) {
      expect((await get(`${url}/api/v1/users/${who.body.user.id}`, { token: who.body.accessToken })).status).to.equal(200);
    }
    const served = (label: string, rpc: string) => lines.filter((l) => l.startsWith(`[${label}]`) && l.includes(`"rpc":"${rpc}"`) && l.includes(`"service_instance_id":"${label}"`)).length;
    for (const label of ['user-0', 'user-1']) expect(served(label, '/user.v1.UserService/GetUser'), label).to.be.greaterThan(5);
    for (const label of ['auth-0', 'auth-1']) expect(served(label, '/auth.v1.AuthService/ValidateToken'), label).to.be.greaterThan(5);

    const pids = childPids();
    child!.kill('SIGINT');
    expect(await exited).to.equal(0);
    const stoppedAt = (label: string) => lines.findIndex((l) => new RegExp(`^\\[start\\]\\s+${label} stopped \\(exit code 0\\)`).test(l));
    const order = ['gateway', 'user-0', 'user-1', 'auth-0', 'auth-1'].map(stoppedAt);
    expect(order.every((i) => i >= 0), lines.slice(-20).join('\n')).to.equal(true);
    expect(Math.max(order[1]!, order[2]!)).to.be.lessThan(Math.min(order[3]!, order[4]!));
    expect(order[0]).to.be.lessThan(Math.min(order[1]!, order[2]!));
    await expectAllGone(pids);
  });

  it('--replicas with a bad value stops before starting anything, naming the flag', async () => {
    await launch(['--replicas', 'lots']);
    expect(await exited).to.equal(1);
    expect(lines.some((l) => l.includes('--replicas: must be a whole number from 1 to 10, got "lots"'))).to.equal(true);
    expect(childPids()).to.deep.equal([]);
  });

  it('--collector runs the two trace tiers: the services export to the collector (its RED metrics count a request) and the query tier answers', async () => {
    const ports = await freeCollectorTierPorts();
    const badgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-badger-'));
    await launch(['--collector'], {
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      JAEGER_BADGER_DIR: badgerDir,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    const url = await bannerUrl();
    expect(lines.some((l) => l.includes(`RED metrics: http://localhost:${ports.COLLECTOR_METRICS_PORT}/metrics`)), 'banner').to.equal(true);
    const who = await post(`${url}/api/v1/auth/register`, { email: 'collector@example.test', password: 'correct horse battery', name: 'C' });
    expect(who.status).to.equal(201);
    // The services export to the collector: its RED metrics count the gateway's request.
    let metrics = '';
    for (let i = 0; i < 50 && !/span_name="POST \/api\/v1\/auth\/register"/.test(metrics); i++) {
      await sleep(200);
      metrics = await (await fetch(`http://127.0.0.1:${ports.COLLECTOR_METRICS_PORT}/metrics`)).text();
    }
    expect(metrics).to.match(/calls_total\{[^}]*service_name="gateway"[^}]*span_name="POST \/api\/v1\/auth\/register"/);
    const services = (await (await fetch(`http://127.0.0.1:${ports.JAEGER_QUERY_PORT}/api/v3/services`)).json()) as { services?: string[] };
    expect(services).to.have.property('services');
    child!.kill('SIGINT');
    expect(await exited).to.equal(0);
    fs.rmSync(badgerDir, { recursive: true, force: true });
  });

  it('--collector 0 stops before starting anything, naming the flag', async () => {
    await launch(['--collector', '0']);
    expect(await exited).to.equal(1);
    expect(lines.some((l) => l.includes('--collector: the number of samplers must be a whole number from 1 to 10, got "0"'))).to.equal(true);
    expect(childPids()).to.deep.equal([]);
  });

  it('--collector 2 runs the load balancer and two samplers: the services export to it, the samplers count the request between them', async () => {
    const ports = await freeCollectorTierPorts();
    const badgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-badger-'));
    await launch(['--collector', '2'], {
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      JAEGER_BADGER_DIR: badgerDir,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    const url = await bannerUrl();
    const metricsUrls = [0, 1].map((i) => `http://localhost:${ports.COLLECTOR_METRICS_PORT + i}/metrics`);
    expect(lines.some((l) => l.includes(`load balancer on :${ports.COLLECTOR_OTLP_HTTP_PORT}`)), 'banner').to.equal(true);
    for (const [i, m] of metricsUrls.entries()) expect(lines.some((l) => l.includes(`sampler ${i}:`) && l.includes(m)), `banner: sampler ${i}`).to.equal(true);
    // Ten requests: their traces hash to one sampler or the other; together they count all ten.
    const account = await post(`${url}/api/v1/auth/register`, { email: 'lb@example.test', password: 'correct horse battery', name: 'L' });
    expect(account.status).to.equal(201);
    const me = `${url}/api/v1/users/${account.body.user.id}`;
    for (let i = 0; i < 10; i++) expect((await get(me, { token: account.body.accessToken })).status).to.equal(200);
    const count = (text: string) =>
      [...text.matchAll(/calls_total\{[^}]*service_name="gateway"[^}]*span_name="GET \/api\/v1\/users\/:id"[^}]*\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    let counts: number[] = [];
    for (let i = 0; i < 50; i++) {
      counts = await Promise.all(metricsUrls.map(async (m) => count(await (await fetch(m.replace('localhost', '127.0.0.1'))).text())));
      if (counts[0]! + counts[1]! >= 10) break;
      await sleep(200);
    }
    expect(counts[0]! + counts[1]!, `gateway requests counted by the samplers: ${counts.join(' + ')}`).to.equal(10);
    child!.kill('SIGINT');
    expect(await exited).to.equal(0);
    fs.rmSync(badgerDir, { recursive: true, force: true });
  });
});
