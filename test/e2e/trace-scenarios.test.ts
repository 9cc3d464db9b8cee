// The tracing scenarios (one request across the three processes, registration, errors, propagation,
// redaction, untraced health checks), end to end: real processes, real Jaeger, traces read back
// through Jaeger's stable /api/v3 API and checked span by span. Run once per exporter and once per
// instrumentation mode: the lean choke points and the stock auto-instrumentation must give the
// same trace.
import { expect } from 'chai';
import { registerAccount, uniqueEmail, GOOD_PASSWORD, type Account } from '../support/accounts';
import { get, post } from '../support/http';
import { startJaeger, KIND, STATUS, type StoredSpan, type TestJaeger } from '../support/jaeger';
import { startStack, type Stack } from '../support/stack';
import { reportOnFailure } from '../support/trace-on-failure';
import {
  describeTrace,
  expectGatewaySpine,
  expectOneTrace,
  expectServerHop,
  theSpan,
  traceIdOf,
} from '../support/trace-shape';

const ALL = ['gateway', 'user-service', 'auth-service'];
const DEADLINE_MS = 1500;

/** The trace once it holds spans from all `services` and at least `min` spans. */
const complete = (services: string[], min: number) => (spans: StoredSpan[]) =>
  spans.length >= min && services.every((svc) => spans.some((s) => s.service === svc));

/**
 * Waits until a GET through the whole chain answers 200 again. A channel that saw its peer go away
 * reconnects with backoff (capped at 2 s, shared/grpc/client.ts); until then calls fail fast.
 */
async function untilServing(stack: Stack, who: Account): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await get(`${stack.gatewayUrl}/api/v1/users/${who.id}`, { token: who.accessToken });
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`chain did not recover: last status ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const MODES = [
  { instrumentation: 'lean', exporter: 'otlp' },
  { instrumentation: 'lean', exporter: 'jaeger' },
  { instrumentation: 'auto', exporter: 'otlp' },
  { instrumentation: 'auto', exporter: 'jaeger' },
] as const;

for (const { instrumentation, exporter } of MODES) {
  describe(`tracing scenarios (${instrumentation} instrumentation, ${exporter} exporter)`, function () {
    this.timeout(120_000);
    let jaeger: TestJaeger;
    let stack: Stack;
    let alice: Account;

    before(async () => {
      jaeger = await startJaeger();
      stack = await startStack({
        env: {
          ...jaeger.envFor(exporter),
          TRACING_INSTRUMENTATION: instrumentation,
          OTEL_BSP_SCHEDULE_DELAY: '100',
          GRPC_DEADLINE_MS: String(DEADLINE_MS),
        },
      });
      alice = await registerAccount(stack.gatewayUrl);
    });

    after(async () => {
      await stack?.stop();
      await jaeger?.stop();
    });

    reportOnFailure({ stack: () => stack, jaeger: () => jaeger });

    it('1. GET a user: gateway -> user-service -> auth-service in one trace', async () => {
      const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken });
      expect(res.status).to.equal(200);
      const traceId = traceIdOf(res.headers);
      const spans = await jaeger.getTrace(traceId, complete(ALL, 9));
      const root = expectOneTrace(spans, traceId, ALL);

      const { http, trpc, client } = expectGatewaySpine(spans, 'GET /api/v1/users/:id', 'users.get', 'user.v1.UserService/GetUser');
      expect(root.spanId).to.equal(http.spanId);
      expect(http.attributes['http.route']).to.equal('/api/v1/users/:id');
      expect(http.attributes['http.request.method']).to.equal('GET');
      expect(http.attributes['http.response.status_code']).to.equal(200);
      expect(http.status).to.not.equal(STATUS.ERROR);
      expect(trpc.attributes['rpc.system']).to.equal('trpc');
      expect(client.attributes['rpc.system']).to.equal('grpc');

      const user = expectServerHop(spans, client, 'user-service', 'user.v1.UserService/GetUser', 'GetUser');
      expect(user.op.attributes).to.include({ operation: 'get_user', service: 'user-service', 'enduser.id': alice.id });
      const toAuth = theSpan(spans, 'grpc.auth.v1.AuthService/ValidateToken', { service: 'user-service', kind: KIND.CLIENT, parent: user.op });
      const auth = expectServerHop(spans, toAuth, 'auth-service', 'auth.v1.AuthService/ValidateToken', 'ValidateToken');
      expect(auth.op.attributes).to.include({ operation: 'validate_token', service: 'auth-service', 'auth.method': 'bearer', 'enduser.id': alice.id });

      const userDb = spans.filter((s) => s.service === 'user-service' && s.attributes['db.system'] === 'sqlite');
      expect(userDb.length, 'user-service DB spans').to.be.greaterThan(0);
      for (const db of userDb) {
        expect(db.kind).to.equal(KIND.CLIENT);
        expect(db.parentSpanId).to.equal(user.op.spanId);
        expect(db.attributes['db.operation.name']).to.equal('SELECT');
        // Statement text with placeholders only: the id being looked up is not in it.
        expect(String(db.attributes['db.query.text'])).to.contain('?').and.not.contain(alice.id);
      }
      const authDb = spans.filter((s) => s.service === 'auth-service' && s.attributes['db.system'] === 'sqlite');
      expect(authDb.map((s) => s.parentSpanId)).to.include(auth.op.spanId);

      // Logs carry the trace: the gateway's request line and each service's RPC line.
      const lines = (name: 'gateway' | 'user' | 'auth') =>
        stack.logs(name).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const requestLine = lines('gateway').find((l) => l.msg === 'request' && l.trace_id === traceId);
      expect(requestLine, 'gateway request log line with the trace id').to.include({ method: 'GET', path: '/api/v1/users/:id', status: 200 });
      expect(requestLine!.span_id).to.equal(http.spanId);
      expect(lines('user').find((l) => l.msg === 'rpc' && l.trace_id === traceId), 'user-service rpc line').to.include({ rpc: '/user.v1.UserService/GetUser' });
      expect(lines('auth').find((l) => l.msg === 'rpc' && l.trace_id === traceId), 'auth-service rpc line').to.include({ rpc: '/auth.v1.AuthService/ValidateToken' });
    });

    it('2. Register: gateway -> user-service (CreateUser) -> auth-service (Register)', async () => {
      const email = uniqueEmail('traced');
      const res = await post(`${stack.gatewayUrl}/api/v1/auth/register`, { email, password: GOOD_PASSWORD, name: 'Traced' });
      expect(res.status).to.equal(201);
      const traceId = traceIdOf(res.headers);
      const spans = await jaeger.getTrace(traceId, complete(ALL, 9));
      expectOneTrace(spans, traceId, ALL);
      const { http, client } = expectGatewaySpine(spans, 'POST /api/v1/auth/register', 'auth.register', 'user.v1.UserService/CreateUser');
      expect(http.attributes['http.response.status_code']).to.equal(201);
      const user = expectServerHop(spans, client, 'user-service', 'user.v1.UserService/CreateUser', 'CreateUser');
      expect(user.op.attributes).to.include({ operation: 'create_user', service: 'user-service', 'enduser.id': res.body.user.id });
      expect(spans.some((s) => s.parentSpanId === user.op.spanId && s.name === 'INSERT users' && s.attributes['db.operation.name'] === 'INSERT')).to.equal(true);
      const toAuth = theSpan(spans, 'grpc.auth.v1.AuthService/Register', { service: 'user-service', kind: KIND.CLIENT, parent: user.op });
      const auth = expectServerHop(spans, toAuth, 'auth-service', 'auth.v1.AuthService/Register', 'Register');
      expect(auth.op.attributes).to.include({ operation: 'register', 'auth.method': 'password' });
      expect(spans.some((s) => s.parentSpanId === auth.op.spanId && s.name === 'INSERT credentials')).to.equal(true);
    });

    it('3a. Error: an invalid token is an ERROR in auth and user, the 401 HTTP span is not', async () => {
      const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: 'not-a-jwt' });
      expect(res.status).to.equal(401);
      const traceId = traceIdOf(res.headers);
      const spans = await jaeger.getTrace(traceId, complete(ALL, 7));
      expectOneTrace(spans, traceId, ALL);
      const { http, trpc, client } = expectGatewaySpine(spans, 'GET /api/v1/users/:id', 'users.get', 'user.v1.UserService/GetUser');
      expect(http.attributes['http.response.status_code']).to.equal(401);
      expect(http.status, 'a 4xx server span is not an error (semconv)').to.not.equal(STATUS.ERROR);
      expect(trpc.status).to.equal(STATUS.ERROR);
      expect(client.attributes['rpc.grpc.status_code']).to.equal(16);
      const user = expectServerHop(spans, client, 'user-service', 'user.v1.UserService/GetUser', 'GetUser');
      const toAuth = theSpan(spans, 'grpc.auth.v1.AuthService/ValidateToken', { service: 'user-service', parent: user.op });
      const auth = expectServerHop(spans, toAuth, 'auth-service', 'auth.v1.AuthService/ValidateToken', 'ValidateToken');
      for (const failed of [user.op, auth.op]) {
        expect(failed.status, `${failed.service} ${failed.name}`).to.equal(STATUS.ERROR);
        expect(failed.events.map((e) => e.name)).to.include('exception');
      }
    });

    it('3b. Error: auth service down -> 503, ERROR on the failing hops, trace ends in user-service', async () => {
      await stack.stopService('auth');
      try {
        const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken });
        expect(res.status).to.equal(503);
        const traceId = traceIdOf(res.headers);
        const spans = await jaeger.getTrace(traceId, complete(['gateway', 'user-service'], 6));
        expectOneTrace(spans, traceId, ['gateway', 'user-service']);
        const { http, trpc, client } = expectGatewaySpine(spans, 'GET /api/v1/users/:id', 'users.get', 'user.v1.UserService/GetUser');
        expect(http.status, 'a 5xx server span is an error').to.equal(STATUS.ERROR);
        expect(trpc.status).to.equal(STATUS.ERROR);
        expect(client.attributes['rpc.grpc.status_code']).to.equal(14);
        const user = expectServerHop(spans, client, 'user-service', 'user.v1.UserService/GetUser', 'GetUser');
        expect(user.op.status).to.equal(STATUS.ERROR);
        const toAuth = theSpan(spans, 'grpc.auth.v1.AuthService/ValidateToken', { service: 'user-service', kind: KIND.CLIENT, parent: user.op });
        expect(toAuth.status).to.equal(STATUS.ERROR);
        expect(toAuth.attributes['rpc.grpc.status_code']).to.equal(14);
      } finally {
        await stack.startService('auth');
        await untilServing(stack, alice);
      }
    });

    it('3c. Error: a timeout (auth frozen) -> 504 within the deadline, DEADLINE_EXCEEDED recorded', async () => {
      stack.pause('auth');
      let traceId: string;
      try {
        const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken });
        expect(res.status).to.equal(504);
        expect(res.elapsedMs).to.be.lessThan(DEADLINE_MS + 1000);
        traceId = traceIdOf(res.headers);
      } finally {
        stack.resume('auth');
      }
      await untilServing(stack, alice);
      const spans = await jaeger.getTrace(traceId, complete(['gateway', 'user-service'], 6));
      const { http, client } = expectGatewaySpine(spans, 'GET /api/v1/users/:id', 'users.get', 'user.v1.UserService/GetUser');
      expect(http.attributes['http.response.status_code']).to.equal(504);
      expect(http.status).to.equal(STATUS.ERROR);
      expect(client.attributes['rpc.grpc.status_code']).to.equal(4);
      const user = expectServerHop(spans, client, 'user-service', 'user.v1.UserService/GetUser', 'GetUser');
      expect(user.op.status).to.equal(STATUS.ERROR);
      const toAuth = theSpan(spans, 'grpc.auth.v1.AuthService/ValidateToken', { service: 'user-service', kind: KIND.CLIENT, parent: user.op });
      expect(toAuth.attributes['rpc.grpc.status_code']).to.equal(4);
    });

    it('4a. Propagation: a valid incoming traceparent is continued', async () => {
      const incomingTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const incomingParent = '00f067aa0ba902b7';
      const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, {
        token: alice.accessToken,
        headers: { traceparent: `00-${incomingTrace}-${incomingParent}-01` },
      });
      expect(res.status).to.equal(200);
      expect(traceIdOf(res.headers)).to.equal(incomingTrace);
      const spans = await jaeger.getTrace(incomingTrace, complete(ALL, 9));
      const root = expectOneTrace(spans, incomingTrace, ALL);
      expect(root.name).to.equal('GET /api/v1/users/:id');
      expect(root.parentSpanId).to.equal(incomingParent);
    });

    it('4b. Propagation: a malformed traceparent starts a new trace and the request succeeds', async () => {
      for (const bad of [
        '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
        '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
        'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'garbage',
      ]) {
        const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken, headers: { traceparent: bad } });
        expect(res.status, bad).to.equal(200);
        const traceId = traceIdOf(res.headers);
        expect(traceId).to.not.equal('4bf92f3577b34da6a3ce929d0e0e4736');
        expect(traceId).to.not.equal('0'.repeat(32));
        const spans = await jaeger.getTrace(traceId, complete(ALL, 9));
        const root = expectOneTrace(spans, traceId, ALL);
        expect(root.parentSpanId ?? '', describeTrace(spans)).to.equal('');
      }
    });

    it('never records secrets: no query string, no Authorization attribute', async () => {
      const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}?access_token=${alice.accessToken}&refresh_token=${alice.refreshToken}&page=2`, {
        token: alice.accessToken,
      });
      expect(res.status).to.equal(200);
      const traceId = traceIdOf(res.headers);
      const spans = await jaeger.getTrace(traceId, complete(ALL, 9));
      const http = theSpan(spans, 'GET /api/v1/users/:id', { service: 'gateway', kind: KIND.SERVER });
      const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.statusMessage]));
      expect(everything).to.not.contain(alice.accessToken);
      expect(everything).to.not.contain(alice.refreshToken);
      expect(everything.toLowerCase()).to.not.contain('authorization');
      expect(http.attributes).to.not.have.any.keys('url.query', 'url.full', 'http.target');
      expect(http.attributes['url.path']).to.equal(`/api/v1/users/${alice.id}`);
    });

    it('health checks (/health, /ready, grpc.health.v1) produce no spans', async () => {
      const quiet = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
      const traceparent = `00-${quiet}-1111111111111111-01`;
      expect((await get(`${stack.gatewayUrl}/health`, { headers: { traceparent } })).status).to.equal(200);
      expect((await get(`${stack.gatewayUrl}/ready`, { headers: { traceparent } })).status).to.equal(200);
      // A traced request after them: once its spans are in Jaeger, anything the probes made would be too.
      const res = await get(`${stack.gatewayUrl}/api/v1/users/${alice.id}`, { token: alice.accessToken });
      await jaeger.getTrace(traceIdOf(res.headers), complete(ALL, 9));
      expect(await jaeger.getTrace(quiet, () => true)).to.deep.equal([]);
    });
  });
}
