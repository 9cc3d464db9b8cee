import crypto from 'node:crypto';
import { expect } from 'chai';
import { useStack } from '../support/stack';
import { get, post, request, type HttpResult } from '../support/http';
import { GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { createTestTrpcClient } from '../support/trpc-client';

// W3C Trace Context Level 2 `traceresponse`: version-traceid-spanid-flags.
const TRACERESPONSE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

/** Asserts the response carries a well-formed traceresponse header and returns its trace id. */
function expectTraceresponse(res: { status: number; headers: Headers }, what: string): string {
  const header = res.headers.get('traceresponse');
  expect(header, `${what} (status ${res.status}) traceresponse`).to.be.a('string').and.match(TRACERESPONSE);
  const traceId = header!.split('-')[1]!;
  expect(traceId, `${what}: all-zero trace id is invalid`).not.to.equal('0'.repeat(32));
  return traceId;
}

describe('traceresponse header on every response (real processes)', function () {
  this.timeout(60_000);
  const stack = useStack();
  const url = (p: string) => `${stack().gatewayUrl}${p}`;
  let account: Account;

  before(async () => {
    account = await registerAccount(stack().gatewayUrl);
  });

  // /health and /ready are left out on purpose: the probes are untraced (UNTRACED_PATHS in
  // shared/telemetry/instrumentations.ts) so polling them does not flood Jaeger.
  it('is on REST successes and errors of every kind', async () => {
    const cases: Array<[string, Promise<HttpResult>]> = [
      ['register 201', post(url('/api/v1/auth/register'), { email: uniqueEmail('tr'), password: GOOD_PASSWORD, name: 'T' })],
      ['register 400', post(url('/api/v1/auth/register'), { email: 'bad', password: GOOD_PASSWORD, name: 'T' })],
      ['malformed JSON 400', request('POST', url('/api/v1/auth/login'), { rawJson: '{' })],
      ['login 401', post(url('/api/v1/auth/login'), { email: account.email, password: 'wrong password' })],
      ['me 200', get(url('/api/v1/auth/me'), { token: account.accessToken })],
      ['me 401', get(url('/api/v1/auth/me'))],
      ['list 200', get(url('/api/v1/users?limit=5'), { token: account.accessToken })],
      ['get 404', get(url(`/api/v1/users/${crypto.randomUUID()}`), { token: account.accessToken })],
      ['openapi 200', get(url('/openapi.json'))],
    ];
    const traceIds = new Set<string>();
    for (const [what, pending] of cases) traceIds.add(expectTraceresponse(await pending, what));
    // One trace per request.
    expect(traceIds.size).to.equal(cases.length);
  });

  it('is on tRPC successes, errors and batches', async () => {
    const seen: Response[] = [];
    const client = createTestTrpcClient(stack().gatewayUrl, { getToken: () => account.accessToken, onResponse: (r) => seen.push(r) });
    await client.auth.me.query();
    await client.users.get.query({ id: crypto.randomUUID() }).catch(() => undefined);
    await Promise.all([client.auth.me.query(), client.users.list.query({ limit: 1 })]);
    expect(seen).to.have.length(3);
    seen.forEach((res, i) => expectTraceresponse(res, `tRPC response ${i}`));
  });

  it('continues an incoming W3C traceparent: the trace id comes back', async () => {
    const traceId = crypto.randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${crypto.randomBytes(8).toString('hex')}-01`;
    const res = await get(url('/api/v1/auth/me'), { token: account.accessToken, headers: { traceparent } });
    expect(res.status).to.equal(200);
    expect(expectTraceresponse(res, 'me with traceparent')).to.equal(traceId);
  });
});
