// FAULTS end to end: each knob's effect on the response, the trace and the rpc log line, under
// both instrumentation modes and with tracing off, through the real gateway -> user -> auth chain.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { registerAccount, type Account } from '../support/accounts';
import { get, post } from '../support/http';
import { startJaeger, KIND, STATUS, type StoredSpan, type TestJaeger } from '../support/jaeger';
import { freePort, launchProcess, stop, waitForReady } from '../../scripts/stack/launch';
import { lastTraceId } from '../../scripts/trace/jaeger-query';
import { projectRoot } from '../../shared/paths';
import { startStack, type Stack } from '../support/stack';
import { reportOnFailure, waterfallsOf } from '../support/trace-on-failure';
import { expectGatewaySpine, expectServerHop, theSpan, traceIdOf } from '../support/trace-shape';

const DEADLINE_MS = 1500;
const DELAY_MS = 300;
const P = 0.5;
// One setting for all three processes, as `FAULTS=... npm start` gives it: each service applies
// the rules for the methods it serves (the gateway serves none and has no FAULTS key).
const FAULTS = [
  `user.v1.UserService/GetUser:delay=${DELAY_MS}ms`,
  'auth.v1.AuthService/GetCurrentUser:error=UNAVAILABLE',
  `user.v1.UserService/ListUsers:error=UNAVAILABLE@${P}`,
  'auth.v1.AuthService/Login:delay=10s',
].join(';');

const run = promisify(execFile);

/** Runs `npm run trace`'s script (dist/scripts/trace.js) with `args`; resolves with its exit code and output. */
async function traceCommand(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/scripts/trace.js', ...args], { cwd: projectRoot, env: { ...process.env, JAEGER_URL: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A trace-ready check: a SERVER span for each `[service, span name]` (a server span ends after everything under it). */
const hasServerSpans = (...wanted: Array<[string, string]>) => (spans: StoredSpan[]) =>
  wanted.every(([service, name]) => spans.some((x) => x.service === service && x.name === name && x.kind === KIND.SERVER));

const durationOf = (s: StoredSpan) => s.endUnixMs - s.startUnixMs;
const faultEvent = (s: StoredSpan) => s.events.find((e) => e.name === 'fault.injected');

/** The JSON lines a service printed. */
const jsonLines = (stack: Stack, name: 'gateway' | 'user' | 'auth') =>
  stack.logs(name).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

/** A caller's traceparent: with tracing off nothing starts a trace, but a caller's is carried into every log line. */
const callerTrace = () => ({ traceparent: `00-${crypto.randomBytes(16).toString('hex')}-${crypto.randomBytes(8).toString('hex')}-01` });

/** The rpc log line of `rpc` for `traceId`. */
async function rpcLine(stack: Stack, name: 'user' | 'auth', rpc: string, traceId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = jsonLines(stack, name).filter((l) => (l.msg === 'rpc' || l.msg === 'rpc failed') && l.rpc === rpc && l.trace_id === traceId);
    if (lines.length) return lines[lines.length - 1]!;
    if (Date.now() > deadline) throw new Error(`no ${rpc} rpc line in ${name}'s log`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const mode of ['lean', 'auto', 'off'] as const) {
  describe(`FAULTS knobs (${mode === 'off' ? 'tracing off' : `${mode} instrumentation`})`, function () {
    this.timeout(120_000);
    let jaeger: TestJaeger | undefined;
    let stack: Stack;
    let alice: Account;
    const traced = mode !== 'off';
    const headers = traced ? undefined : callerTrace;

    before(async () => {
      if (traced) jaeger = await startJaeger();
      stack = await startStack({
        env: {
          ...(jaeger ? jaeger.envFor('otlp') : { TRACING_ENABLED: 'false' }),
          ...(traced && { TRACING_INSTRUMENTATION: mode }),
          OTEL_BSP_SCHEDULE_DELAY: '100',
          GRPC_DEADLINE_MS: String(DEADLINE_MS),
          FAULTS,
        },
        sharedTracing: traced ? undefined : false,
      });
      alice = await registerAccount(stack.gatewayUrl);
    });

    after(async () => {
      await stack?.stop();
      await jaeger?.stop();
    });

    reportOnFailure({ stack: () => stack, jaeger: () => jaeger });

    it('delay: the response waits, the operation span lasts the delay and carries the fault.injected event', async () => {
      const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken, headers: headers?.() });
      expect(res.status).to.equal(200);
      expect(res.elapsedMs).to.be.at.least(DELAY_MS);
      const traceId = traceIdOf(res.headers);
      expect((await rpcLine(stack, 'user', '/user.v1.UserService/GetUser', traceId)).fault).to.deep.equal({ delay_ms: DELAY_MS });
      // A method without a rule is untouched.
      expect((await rpcLine(stack, 'auth', '/auth.v1.AuthService/ValidateToken', traceId)).fault).to.equal(undefined);
      if (!jaeger) return;

      const spans = await jaeger.getTrace(traceId, hasServerSpans(['gateway', 'GET /api/v1/users/:id'], ['user-service', 'grpc.user.v1.UserService/GetUser'], ['auth-service', 'grpc.auth.v1.AuthService/ValidateToken']));
      const { client } = expectGatewaySpine(spans, 'GET /api/v1/users/:id', 'users.get', 'user.v1.UserService/GetUser');
      const user = expectServerHop(spans, client, 'user-service', 'user.v1.UserService/GetUser', 'GetUser');
      expect(durationOf(user.op)).to.be.at.least(DELAY_MS - 1);
      expect(user.op.status).to.not.equal(STATUS.ERROR);
      expect(faultEvent(user.op)?.attributes).to.deep.equal({ 'fault.delay_ms': DELAY_MS });
      // The time is the delay, not the work: the auth call after it is quick.
      const auth = theSpan(spans, 'ValidateToken', { service: 'auth-service' });
      expect(durationOf(auth)).to.be.lessThan(DELAY_MS / 2);
      expect(faultEvent(auth)).to.equal(undefined);
    });

    it('error: the injected status maps to its HTTP status (UNAVAILABLE -> 503), the span is ERROR with the event', async () => {
      const res = await get(`${stack.gatewayUrl}/api/v1/auth/me`, { token: alice.accessToken, headers: headers?.() });
      expect(res.status).to.equal(503);
      expect(res.body.error.code).to.equal('SERVICE_UNAVAILABLE');
      const traceId = traceIdOf(res.headers);
      const line = await rpcLine(stack, 'auth', '/auth.v1.AuthService/GetCurrentUser', traceId);
      expect(line).to.include({ code: 'UNAVAILABLE' });
      expect(line.fault).to.deep.equal({ status: 'UNAVAILABLE' });
      if (!jaeger) return;

      const spans = await jaeger.getTrace(traceId, hasServerSpans(['gateway', 'GET /api/v1/auth/me'], ['auth-service', 'grpc.auth.v1.AuthService/GetCurrentUser']));
      const { http, client } = expectGatewaySpine(spans, 'GET /api/v1/auth/me', 'auth.me', 'auth.v1.AuthService/GetCurrentUser');
      expect(http.status).to.equal(STATUS.ERROR);
      expect(http.attributes['http.response.status_code']).to.equal(503);
      expect(client.attributes['rpc.grpc.status_code']).to.equal(14);
      const auth = expectServerHop(spans, client, 'auth-service', 'auth.v1.AuthService/GetCurrentUser', 'GetCurrentUser');
      expect(auth.op.status).to.equal(STATUS.ERROR);
      expect(auth.server.status).to.equal(STATUS.ERROR);
      expect(faultEvent(auth.op)?.attributes).to.deep.equal({ 'fault.status': 'UNAVAILABLE' });
      expect(auth.op.events.map((e) => e.name)).to.include('exception');
    });

    it(`probability: error@${P} fails about half the calls, the others answer`, async () => {
      const n = 60;
      const statuses: number[] = [];
      for (let i = 0; i < n; i++) statuses.push((await get(`${stack.gatewayUrl}/api/v1/users?limit=1`, { token: alice.accessToken })).status);
      expect([...new Set(statuses)].sort()).to.deep.equal([200, 503]);
      // Binomial(60, 0.5): mean 30, sd 3.9; 12..48 is +-4.6 sd, a false failure about once in 250 000 runs.
      expect(statuses.filter((s) => s === 503).length).to.be.within(12, 48);
    });

    it('deadline: a delay longer than the caller deadline ends in DEADLINE_EXCEEDED -> 504 at the deadline', async () => {
      const res = await post(`${stack.gatewayUrl}/api/v1/auth/login`, { email: alice.email, password: alice.password }, { headers: headers?.() });
      expect(res.status).to.equal(504);
      expect(res.elapsedMs).to.be.within(DEADLINE_MS - 100, DEADLINE_MS + 1000);
      const traceId = traceIdOf(res.headers);
      const line = await rpcLine(stack, 'auth', '/auth.v1.AuthService/Login', traceId);
      expect(line).to.include({ code: 'DEADLINE_EXCEEDED' });
      expect(line.fault).to.deep.equal({ delay_ms: 10_000 });
      if (!jaeger) return;

      const spans = await jaeger.getTrace(traceId, hasServerSpans(['gateway', 'POST /api/v1/auth/login'], ['auth-service', 'grpc.auth.v1.AuthService/Login']));
      const { http, client } = expectGatewaySpine(spans, 'POST /api/v1/auth/login', 'auth.login', 'auth.v1.AuthService/Login');
      expect(http.attributes['http.response.status_code']).to.equal(504);
      expect(client.attributes['rpc.grpc.status_code']).to.equal(4);
      const auth = expectServerHop(spans, client, 'auth-service', 'auth.v1.AuthService/Login', 'Login');
      expect(auth.op.status).to.equal(STATUS.ERROR);
      expect(faultEvent(auth.op)?.attributes).to.deep.equal({ 'fault.delay_ms': 10_000 });
      // The service stopped waiting at the deadline instead of working on for nobody.
      expect(durationOf(auth.op)).to.be.within(DEADLINE_MS - 300, DEADLINE_MS + 300);
    });

    if (mode === 'lean') {
      it('npm run trace prints the waterfall of a real trace: one line per span, the delay and its event visible', async () => {
        const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken });
        const traceId = traceIdOf(res.headers);
        // All 11 of a lean GET: HTTP, trpc, client; server, GetUser, client, 2 SELECT users; server, ValidateToken, SELECT credentials.
        const spans = await jaeger!.getTrace(traceId, (s) => s.length >= 11);
        const { code, stdout, stderr } = await traceCommand([traceId, '--jaeger', jaeger!.queryUrl]);
        expect(code, stderr).to.equal(0);
        const lines = stdout.trimEnd().split('\n');
        expect(lines[0]).to.match(new RegExp(`^trace ${traceId}: ${spans.length} spans, 3 services \\(gateway, user-service, auth-service\\), \\d`));
        expect(lines).to.have.length(spans.length + 1);
        expect(stdout, 'no colour into a pipe').to.not.contain('\u001b[');
        expect(lines[1]).to.match(/^gateway +GET \/api\/v1\/users\/:id +█{40} +\+0\.00ms .*http\.route=\/api\/v1\/users\/:id/);
        const getUser = lines.find((l) => /^user-service +GetUser /.test(l));
        expect(getUser).to.match(/ {8}GetUser/).and.contain('[fault.injected fault.delay_ms=300]').and.contain(`enduser.id=${alice.id}`);
        expect(lines.find((l) => / SELECT users /.test(l))).to.contain('db.query.text=select');
        // The same lines a failing e2e test prints.
        expect(await waterfallsOf(jaeger!, [traceId])).to.equal(stdout.trimEnd());
      });

      it('npm run trace -- --last [service] shows the newest trace', async () => {
        let newest = '';
        for (let i = 0; i < 6; i++) newest = traceIdOf((await get(`${stack.gatewayUrl}/api/v1/auth/me`, { token: alice.accessToken })).headers);
        await jaeger!.getTrace(newest, (s) => s.some((x) => x.service === 'auth-service'));
        const { code, stdout, stderr } = await traceCommand(['--last', 'auth-service'], { JAEGER_URL: jaeger!.queryUrl });
        expect(code, stderr).to.equal(0);
        expect(stdout).to.match(new RegExp(`^trace ${newest}: `));
        expect(stdout).to.contain('ERROR');
        // Jaeger's search answers in no promised order: with more traces than one answer holds, still the newest.
        expect(await lastTraceId(jaeger!.queryUrl, 'auth-service', { limit: 2 })).to.equal(newest);
      });

      it('npm run trace fails clearly: unknown trace (1), bad id (2), Jaeger unreachable (3)', async () => {
        const unknown = await traceCommand(['0123456789abcdef0123456789abcdef', '--jaeger', jaeger!.queryUrl]);
        expect(unknown.code).to.equal(1);
        expect(unknown.stderr).to.match(/trace 0123456789abcdef0123456789abcdef is not in Jaeger at http:\/\/127\.0\.0\.1:\d+/);
        const bad = await traceCommand(['not-a-trace']);
        expect(bad.code).to.equal(2);
        expect(bad.stderr).to.contain('"not-a-trace" is not a trace id');
        const nobody = `http://127.0.0.1:${await freePort()}`;
        const unreachable = await traceCommand(['0123456789abcdef0123456789abcdef', '--jaeger', nobody]);
        expect(unreachable.code).to.equal(3);
        expect(unreachable.stderr).to.contain(`cannot reach Jaeger at ${nobody} (ECONNREFUSED)`);
        const noTraces = await traceCommand(['--last', 'no-such-service', '--jaeger', jaeger!.queryUrl]);
        expect(noTraces.code).to.equal(1);
        expect(noTraces.stderr).to.match(/no trace from "no-such-service" in the last hour .*services it has: .*gateway/);
      });
    }
  });
}

describe('FAULTS at start', function () {
  this.timeout(60_000);

  /** Starts one service with `env` and resolves with why it did not get ready. */
  async function refusal(name: 'auth' | 'user', env: Record<string, string>): Promise<string> {
    const proc = launchProcess({
      name,
      folder: `services/${name}`,
      env: { NODE_ENV: 'test', AUTH_SERVICE_PORT: '0', USER_SERVICE_PORT: '0', AUTH_DB_PATH: ':memory:', USER_DB_PATH: ':memory:', TRACING_ENABLED: 'false', ...env },
      onLine: () => undefined,
    });
    try {
      await waitForReady(proc, 30_000);
    } catch (err) {
      expect(proc.exitInfo?.code).to.equal(1);
      return (err as Error).message;
    } finally {
      await stop(proc, 'SIGKILL', 1_000);
    }
    throw new Error(`${name} started with ${JSON.stringify(env)}`);
  }

  it('a production service refuses any FAULTS, naming the key', async () => {
    const message = await refusal('auth', { NODE_ENV: 'production', JWT_SECRET: 'a-real-secret-of-at-least-32-characters!', FAULTS });
    expect(message).to.match(/auth exited before it was ready/).and.match(/FAULTS \(or faults in config\.yaml\): injects failures on purpose and is refused when NODE_ENV=production/);
  });

  it('a bad rule stops the service, naming the part', async () => {
    expect(await refusal('user', { FAULTS: 'user.v1.UserService/GetUser:delay=fast' })).to.match(/FAULTS \(or faults in config\.yaml\): user\.v1\.UserService\/GetUser:delay=fast: "fast" is not a duration/);
  });
});
