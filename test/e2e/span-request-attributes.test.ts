// What the gateway's HTTP server span records of a request, read back from Jaeger under lean and
// auto instrumentation (docs/security.md, "What never reaches telemetry" and "What the edge
// trusts"): no value from a URL's query string, whatever its name (a password, a refresh token,
// a JWT, a tRPC `input` holding a password), on REST and tRPC, GET and POST, a 405 included, in no
// span and no log line; and with TRUST_PROXY unset, addresses from the socket and the Host header,
// never from `X-Forwarded-For`, `Forwarded` or `X-Forwarded-Host`.
import crypto from 'node:crypto';
import { expect } from 'chai';
import { registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { get, post, request, type HttpResult } from '../support/http';
import { flattenTrace, KIND, type StoredSpan } from '../support/jaeger';
import { rememberSecret } from '../support/secrets';
import { sharedJaeger } from '../support/shared-jaeger';
import { useStack } from '../support/stack';
import { traceIdOf } from '../support/trace-shape';

const SERVICES = ['gateway', 'user-service', 'auth-service'];

/** Every span the three services exported since `since` (a few seconds' slack), whatever trace it is in. */
async function spansSince(since: number): Promise<StoredSpan[]> {
  const jaeger = await sharedJaeger();
  const min = new Date(since - 5_000).toISOString();
  const max = new Date(Date.now() + 60_000).toISOString();
  const spans: StoredSpan[] = [];
  for (const service of SERVICES) {
    const res = await fetch(`${jaeger.queryUrl}/api/v3/traces?query.service_name=${service}&query.start_time_min=${min}&query.start_time_max=${max}&query.num_traces=10000`);
    if (res.status === 404) continue;
    expect(res.status).to.equal(200);
    spans.push(...flattenTrace(await res.json()));
  }
  return spans;
}

/** The gateway's server span of the request that answered `res`, once Jaeger has it. */
async function serverSpanOf(res: HttpResult): Promise<StoredSpan> {
  const traceId = traceIdOf(res.headers);
  const isServer = (s: StoredSpan) => s.service === 'gateway' && s.kind === KIND.SERVER;
  const spans = await (await sharedJaeger()).getTrace(traceId, (all) => all.some(isServer));
  const server = spans.filter(isServer);
  expect(server, `the gateway's server span of trace ${traceId}`).to.have.length(1);
  return server[0]!;
}

for (const instrumentation of ['lean', 'auto'] as const) {
  describe(`the gateway's HTTP server span: what it takes from a request (${instrumentation})`, function () {
    this.timeout(90_000);
    // TRUST_PROXY unset: no forwarded header is believed.
    const stack = useStack({ env: { TRACING_INSTRUMENTATION: instrumentation, OTEL_BSP_SCHEDULE_DELAY: '100' } });

    it('records no value from a query string, under any name, on REST and tRPC, GET and POST, a 405 included; nor does any log line', async () => {
      const started = Date.now();
      const gateway = stack().gatewayUrl;
      // A password no other test uses, with characters a URL must encode.
      const marker = crypto.randomBytes(8).toString('hex');
      const password = `Pw ${marker}/"é`;
      rememberSecret(password);
      const who: Account = await registerAccount(gateway, { email: uniqueEmail('query'), password });
      const jwt = who.accessToken;
      const refresh = who.refreshToken;
      const q = (pairs: Record<string, string>) => new URLSearchParams(pairs).toString();
      const credentials = { email: who.email, password };
      const input = JSON.stringify(credentials);
      const asPassword = { password, Password: password, pwd: password, passwd: password, PASSWORD: password };
      const asTokens = { ACCESS_TOKEN: jwt, jwt, bearer: jwt, Refresh: refresh, refresh_token: refresh, token: jwt };

      const sent: Array<[string, Promise<HttpResult>, number]> = [
        ['REST GET', get(`${gateway}/api/v1/users/${who.id}?${q({ ...asPassword, ...asTokens })}`, { token: jwt }), 200],
        ['REST POST', post(`${gateway}/api/v1/auth/login?${q({ ...asPassword, ...asTokens, input })}`, credentials), 200],
        ['REST GET, no route', get(`${gateway}/api/v1/nowhere?${q({ ...asPassword, ...asTokens })}`), 404],
        ['tRPC GET of a mutation', get(`${gateway}/trpc/auth.login?${q({ input })}`), 405],
        ['tRPC POST, input in the query too', post(`${gateway}/trpc/auth.login?${q({ input, ...asPassword })}`, credentials), 200],
        ['tRPC GET query', get(`${gateway}/trpc/users.get?${q({ input: JSON.stringify({ id: who.id }), ...asTokens, pwd: password })}`, { token: jwt }), 200],
        ['tRPC GET, a bare token as a name', request('GET', `${gateway}/trpc/users.get?${jwt}&${encodeURIComponent(password)}`, { token: jwt }), 400],
      ];
      const servers: StoredSpan[] = [];
      for (const [what, response, status] of sent) {
        const res = await response;
        expect(res.status, what).to.equal(status);
        const server = await serverSpanOf(res);
        expect(server.attributes, what).to.not.have.any.keys('url.query', 'url.full', 'http.target');
        expect(server.attributes['url.path'], what).to.be.a('string').and.not.include('?');
        servers.push(server);
      }
      // The tokens logged in with above are secrets too, for this search and the run's audit.
      const tokens = [jwt, refresh];
      for (const [, response] of sent) {
        const { body } = await response;
        for (const key of ['accessToken', 'refreshToken']) {
          const token = (body as Record<string, unknown> | undefined)?.[key] ?? (body as { result?: { data?: Record<string, unknown> } } | undefined)?.result?.data?.[key];
          if (typeof token === 'string') tokens.push(token);
        }
      }

      // Every span the services exported meanwhile, whatever trace it is in, and every log line.
      await new Promise((r) => setTimeout(r, 1_000));
      const spans = await spansSince(started);
      for (const server of servers) expect(spans.map((s) => s.spanId), 'the search sees the requests').to.include(server.spanId);
      const spanText = JSON.stringify(spans.map((s) => [s.name, s.statusMessage, s.attributes, s.events, s.links]));
      const logText = (['gateway', 'user', 'auth'] as const).flatMap((name) => stack().logs(name)).join('\n');
      for (const secret of [marker, encodeURIComponent(password), ...tokens]) {
        expect(spanText.includes(secret), `a secret (${secret.slice(0, 6)}…) in a span`).to.equal(false);
        expect(logText.includes(secret), `a secret (${secret.slice(0, 6)}…) in a log line`).to.equal(false);
      }
    });

    it('takes addresses from the socket and the Host header, never from forwarded headers it has no reason to believe', async () => {
      const gateway = stack().gatewayUrl;
      const { port } = new URL(gateway);
      const res = await get(`${gateway}/api/v1/nowhere`, {
        headers: {
          'x-forwarded-for': '10.0.0.5',
          forwarded: 'for=198.51.100.66;host=admin.internal.example;proto=https',
          'x-forwarded-host': 'admin.internal.example',
          'x-forwarded-proto': 'https',
        },
      });
      expect(res.status).to.equal(404);
      const server = await serverSpanOf(res);
      expect(server.attributes).to.include({
        'client.address': '127.0.0.1',
        'network.peer.address': '127.0.0.1',
        'server.address': '127.0.0.1',
        'server.port': Number(port),
        'url.scheme': 'http',
      });
      expect(JSON.stringify(server.attributes)).to.not.match(/10\.0\.0\.5|198\.51\.100\.66|admin\.internal/);
    });
  });
}
