import { expect } from 'chai';
import { GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { request } from '../support/http';
import { useStack } from '../support/stack';
import { createTestTrpcClient } from '../support/trpc-client';
import { restRoutes } from '../../gateway/rest/routes';

const NOT_JSON = 'body: must be JSON, sent with Content-Type application/json';

/** The same body in every media type that is not JSON, as a browser form or curl would send it. */
function nonJsonBodies(fields: Record<string, string>): Array<{ label: string; headers: Record<string, string>; body: string | FormData }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return [
    { label: 'text/plain', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(fields) },
    { label: 'text/plain;charset=UTF-8 (fetch with a string body)', headers: {}, body: JSON.stringify(fields) },
    { label: 'application/x-www-form-urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() },
    { label: 'multipart/form-data', headers: {}, body: form },
    { label: 'application/octet-stream', headers: { 'content-type': 'application/octet-stream' }, body: JSON.stringify(fields) },
    { label: 'application/xml', headers: { 'content-type': 'application/xml' }, body: '<email>x</email>' },
  ];
}

/** Sends `body` as is and parses the answer as JSON (it must be JSON). */
async function send(method: string, url: string, headers: Record<string, string>, body: string | FormData) {
  const res = await fetch(url, { method, headers, body });
  expect(res.headers.get('content-type'), `${method} ${url}`).to.match(/^application\/json/);
  return { status: res.status, body: (await res.json()) as any };
}

// A body that is not JSON is refused as such (415), on every REST operation that takes a body and
// on /trpc, instead of being left unparsed and reported as missing fields.
describe('a body that is not JSON gets 415 (real processes)', function () {
  this.timeout(60_000);
  const stack = useStack();
  let who: Account;

  before(async () => {
    who = await registerAccount(stack().gatewayUrl);
  });

  it('REST: every operation that takes a body answers 415 with a JSON error, before any other check', async () => {
    const withBody = restRoutes.filter((r) => r.input.body);
    expect(withBody.map((r) => `${r.method} ${r.path}`)).to.have.length.greaterThan(3);
    for (const route of withBody) {
      const url = `${stack().gatewayUrl}${route.path.replace(':id', who.id)}`;
      for (const { label, headers, body } of nonJsonBodies({ email: who.email, password: who.password })) {
        const res = await send(route.method.toUpperCase(), url, { ...headers, authorization: `Bearer ${who.accessToken}` }, body);
        expect(res.status, `${route.method} ${route.path} as ${label}`).to.equal(415);
        expect(res.body, `${route.method} ${route.path} as ${label}`).to.deep.equal({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: NOT_JSON } });
      }
    }
  });

  it('REST: bytes without any Content-Type are not JSON either; no body at all is a validation error', async () => {
    const url = `${stack().gatewayUrl}/api/v1/auth/login`;
    // fetch insists on a content type for a string body; a Uint8Array body goes without one.
    const bare = await send('POST', url, {}, new TextEncoder().encode('{"email":"a@b.co"}') as unknown as string);
    expect(bare.status).to.equal(415);
    const none = await request('POST', url);
    expect(none.status).to.equal(400);
    expect(none.body.error.message).to.equal('email: is required');
  });

  it('REST: application/json with a charset, and application/*+json, still work', async () => {
    const email = uniqueEmail('charset');
    const json = JSON.stringify({ email, password: GOOD_PASSWORD, name: 'Charset' });
    const created = await send('POST', `${stack().gatewayUrl}/api/v1/auth/register`, { 'content-type': 'application/json; charset=utf-8' }, json);
    expect(created.status).to.equal(201);
    const login = await send('POST', `${stack().gatewayUrl}/api/v1/auth/login`, { 'content-type': 'application/merge-patch+json' }, JSON.stringify({ email, password: GOOD_PASSWORD }));
    expect(login.status).to.equal(200);
    expect(login.body.accessToken).to.be.a('string');
  });

  it('/trpc: the same bodies get 415 in tRPC\'s error shape, with the same message', async () => {
    const url = `${stack().gatewayUrl}/trpc/auth.login`;
    for (const { label, headers, body } of nonJsonBodies({ email: who.email, password: who.password })) {
      const res = await send('POST', url, headers, body);
      expect(res.status, label).to.equal(415);
      expect(res.body.error.message, label).to.equal(NOT_JSON);
      expect(res.body.error.data, label).to.include({ code: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415 });
    }
    const missing = await request('POST', url, { headers: {} });
    expect(missing.status).to.equal(415);
    expect(missing.body.error.message).to.equal(NOT_JSON);
  });

  it('/trpc: the typed client (JSON, batched) and GET queries are unaffected', async () => {
    const client = createTestTrpcClient(stack().gatewayUrl, { getToken: () => who.accessToken });
    const [me, page] = await Promise.all([client.auth.me.query(), client.users.list.query({ limit: 1 })]);
    expect(me.user.id).to.equal(who.id);
    expect(page.users).to.have.length(1);
    const tokens = await client.auth.login.mutate({ email: who.email, password: who.password });
    expect(tokens.accessToken).to.be.a('string');
    // A query sent with a stray Content-Type but no body is still a query.
    const input = encodeURIComponent(JSON.stringify({ id: who.id }));
    const res = await send('GET', `${stack().gatewayUrl}/trpc/users.get?input=${input}`, { 'content-type': 'text/plain', authorization: `Bearer ${who.accessToken}` }, undefined as unknown as string);
    expect(res.status).to.equal(200);
  });
});
