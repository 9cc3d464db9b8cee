import { expect } from 'chai';
import { restRoutes, type RestRoute } from '../../gateway/rest/routes';
import { appRouter, proceduresOf, type ProcedurePath } from '../../gateway/trpc/app-router';
import { registerAccount } from '../support/accounts';
import { request, type HttpResult } from '../support/http';
import { inputFor } from '../support/procedure-inputs';
import { rawExchange } from '../support/raw-http';
import { useStack } from '../support/stack';

// The procedures whose success answer carries tokens (RFC 6749 §5.1: no-store, Pragma no-cache).
const TOKEN_PROCEDURES: ReadonlySet<ProcedurePath> = new Set(['auth.register', 'auth.login', 'auth.refresh']);

/** Asserts the headers every gateway response must carry (gateway/response-headers.ts). */
function expectEdgeHeaders(res: HttpResult, what: string): void {
  const shown = `${what}: ${res.status} ${JSON.stringify([...res.headers])}`;
  expect(res.headers.get('x-content-type-options'), shown).to.equal('nosniff');
  expect(res.headers.get('cache-control'), shown).to.equal('no-store');
  expect(res.headers.get('pragma'), shown).to.equal('no-cache');
}

/** The REST request of `route` for `input`: path parameters in the path, the rest in the body or query. */
function restRequest(route: RestRoute, input: Record<string, unknown> | undefined): { path: string; json?: Record<string, unknown> } {
  let path = route.path;
  const rest: Record<string, unknown> = { ...input };
  for (const name of route.input.params ?? []) {
    path = path.replace(`:${name}`, encodeURIComponent(String(rest[name])));
    delete rest[name];
  }
  if (route.input.query?.length) {
    const query = new URLSearchParams(route.input.query.filter((n) => rest[n] !== undefined).map((n): [string, string] => [n, String(rest[n])]));
    return { path: `${path}?${query.toString()}` };
  }
  return route.input.body ? { path, json: rest } : { path };
}

describe('gateway response headers: nosniff and no-store on every route (real processes)', function () {
  this.timeout(90_000);
  const stack = useStack();
  const url = (path: string) => `${stack().gatewayUrl}${path}`;

  it('covers every REST row: the signed-in success (tokens where the route issues them) and the anonymous answer', async () => {
    for (const route of restRoutes) {
      const account = await registerAccount(stack().gatewayUrl);
      const what = `${route.method.toUpperCase()} ${route.path}`;
      const { input, alsoFine } = inputFor(route.procedure, account);
      const { path, json } = restRequest(route, input);
      const signedIn = await request(route.method.toUpperCase(), url(path), { json, token: account.accessToken });
      expect(signedIn.status, `${what}: ${JSON.stringify(signedIn.body)}`).to.be.oneOf([route.status, ...alsoFine]);
      expectEdgeHeaders(signedIn, `${what} signed in`);
      if (TOKEN_PROCEDURES.has(route.procedure)) {
        expect(signedIn.body, what).to.include.keys('accessToken', 'refreshToken');
      }
      // Without a token: 401 on a protected route; the public ones answer as they do (register
      // and login with tokens again; refresh 401, its token was just used).
      const again = restRequest(route, inputFor(route.procedure, account).input);
      const anonymous = await request(route.method.toUpperCase(), url(again.path), { json: again.json });
      expect(anonymous.status, what).to.equal(route.protected || route.procedure === 'auth.refresh' ? 401 : route.status);
      expectEdgeHeaders(anonymous, `${what} anonymous`);
    }
  });

  it('covers every tRPC procedure, signed in and anonymous, and batches', async () => {
    for (const [path, procedure] of Object.entries(proceduresOf(appRouter))) {
      const account = await registerAccount(stack().gatewayUrl);
      const { input, alsoFine } = inputFor(path as ProcedurePath, account);
      const call = (token?: string) =>
        procedure._def.type === 'query'
          ? request('GET', url(`/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`), { token })
          : request('POST', url(`/trpc/${path}`), { json: input ?? {}, token });
      const signedIn = await call(account.accessToken);
      expect(signedIn.status >= 200 && signedIn.status <= 299 || alsoFine.includes(signedIn.status), `${path}: ${signedIn.status} ${JSON.stringify(signedIn.body)}`).to.equal(true);
      expectEdgeHeaders(signedIn, `/trpc/${path} signed in`);
      if (TOKEN_PROCEDURES.has(path as ProcedurePath)) expect(signedIn.body.result.data, path).to.include.keys('accessToken', 'refreshToken');
      expectEdgeHeaders(await call(), `/trpc/${path} anonymous`);
    }
    const account = await registerAccount(stack().gatewayUrl);
    const queries = await request('GET', url(`/trpc/auth.me,users.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 1: { limit: 1 } }))}`), {
      token: account.accessToken,
    });
    expect(queries.status).to.equal(200);
    expectEdgeHeaders(queries, 'query batch');
    const mutations = await request('POST', url('/trpc/auth.login,auth.refresh?batch=1'), {
      json: { 0: { email: account.email, password: account.password }, 1: { refreshToken: account.refreshToken } },
    });
    expect(mutations.status).to.equal(200);
    expect(mutations.body[0].result.data).to.include.keys('accessToken');
    expectEdgeHeaders(mutations, 'mutation batch with tokens');
  });

  it('covers /health, /ready, /openapi.json, 404s and errors answered before any procedure', async () => {
    const cases: Array<[string, Promise<HttpResult>, number]> = [
      ['/health', request('GET', url('/health')), 200],
      ['/ready', request('GET', url('/ready')), 200],
      ['/openapi.json', request('GET', url('/openapi.json')), 200],
      ['/openapi.json with a token', request('GET', url('/openapi.json'), { token: 'anything' }), 200],
      ['unknown path', request('GET', url('/nothing-here')), 404],
      ['unknown API path', request('GET', url('/api/v1/nothing-here')), 404],
      ['unknown tRPC procedure', request('GET', url('/trpc/nothing.here')), 404],
      ['malformed JSON', request('POST', url('/api/v1/auth/login'), { rawJson: '{"email":' }), 400],
      ['malformed JSON (tRPC)', request('POST', url('/trpc/auth.login'), { rawJson: '{"email":' }), 400],
      ['not JSON', request('POST', url('/api/v1/auth/login'), { headers: { 'content-type': 'text/plain' } }), 415],
      ['invalid input', request('POST', url('/api/v1/auth/register'), { json: { email: 'nope' } }), 400],
      ['tampered token', request('GET', url('/api/v1/auth/me'), { token: 'not.a.jwt' }), 401],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(res.status, what).to.equal(status);
      expectEdgeHeaders(res, what);
    }
  });
});

// Requests Node's HTTP parser refuses never reach the app; the server's clientError listener
// answers them (gateway/http-tracing/client-error.ts). Raw sockets: no HTTP client sends these.
describe('gateway response headers on requests the HTTP parser refuses (real processes, raw sockets)', function () {
  this.timeout(60_000);
  const stack = useStack({ sharedTracing: false });

  const cases: Array<[string, () => string, number]> = [
    ['a 100 KB query string', () => `GET /api/v1/users?q=${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['headers over the limit', () => `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`, 431],
    [
      'Transfer-Encoding with Content-Length',
      () => 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['a malformed request line', () => 'GET /health HTTP/9.9 extra\r\nHost: x\r\n\r\n', 400],
    ['a header with no colon', () => 'GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400],
    ['a bad chunk size', () => 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n', 400],
  ];

  for (const [what, request, status] of cases) {
    it(`${what}: ${status} with nosniff, no-store and a JSON error body`, async () => {
      const res = await rawExchange(stack().gatewayUrl, request());
      const shown = `${what}: ${res.status} ${JSON.stringify(res.headers)}`;
      expect(res.status, shown).to.equal(status);
      expect(res.headers['x-content-type-options'], shown).to.equal('nosniff');
      expect(res.headers['cache-control'], shown).to.equal('no-store');
      expect(res.headers.pragma, shown).to.equal('no-cache');
      expect(res.headers.connection, shown).to.equal('close');
      expect(res.headers['content-type'], shown).to.match(/^application\/json/);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.message, shown).to.match(/^request: /);
    });
  }

  it('the server still answers well-formed requests afterwards', async () => {
    const res = await request('GET', `${stack().gatewayUrl}/health`);
    expect(res.status).to.equal(200);
    expectEdgeHeaders(res, '/health');
  });
});
