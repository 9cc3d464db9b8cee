import { expect } from 'chai';
import { DOWNSTREAM } from '../../../gateway/grpc-clients';
import { closedPort, request, startGateway, type RunningGateway } from '../../support/gateway-harness';

// The gateway with nothing behind it: everything that does not need a service must still work,
// and everything that does must fail fast with a JSON 503.
describe('gateway app: no services running', () => {
  let gw: RunningGateway;
  const DEADLINE_MS = 1500;

  before(async () => {
    const targets: Record<string, string> = {};
    for (const { target } of Object.values(DOWNSTREAM)) targets[target] = `127.0.0.1:${await closedPort()}`;
    gw = await startGateway({ ...targets, GRPC_DEADLINE_MS: String(DEADLINE_MS) });
  });
  after(async () => {
    await gw.close();
  });

  it('GET /health answers 200 {status:"ok"} without x-powered-by', async () => {
    const res = await request(`${gw.url}/health`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
    expect(res.headers.get('x-powered-by')).to.equal(null);
  });

  it('GET /ready answers 503 naming each service UNAVAILABLE', async () => {
    const started = Date.now();
    const res = await request(`${gw.url}/ready`);
    expect(res.status).to.equal(503);
    const every = Object.fromEntries(Object.keys(DOWNSTREAM).map((name) => [name, 'UNAVAILABLE']));
    expect(res.body).to.deep.equal({ status: 'unavailable', services: every });
    expect(Date.now() - started).to.be.below(1500);
  });

  it('a procedure call fails with 503 SERVICE_UNAVAILABLE within the deadline', async () => {
    const started = Date.now();
    const res = await request(`${gw.url}/api/v1/auth/login`, {
      method: 'POST',
      json: { email: 'ada@example.com', password: 'correct horse' },
    });
    expect(res.status).to.equal(503);
    expect(res.body).to.deep.equal({ error: { code: 'SERVICE_UNAVAILABLE', message: 'service unavailable' } });
    expect(Date.now() - started).to.be.below(DEADLINE_MS + 500);
  });

  it('the same failure through /trpc has the same code and no stack', async () => {
    const res = await request(`${gw.url}/trpc/auth.login`, {
      method: 'POST',
      json: { email: 'ada@example.com', password: 'correct horse' },
    });
    expect(res.status).to.equal(503);
    expect(res.body.error.message).to.equal('service unavailable');
    expect(res.body.error.data.code).to.equal('SERVICE_UNAVAILABLE');
    expect(res.text).to.not.include('stack');
  });

  it('an unknown route under /api answers a JSON 404', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nope'],
      ['PUT', '/api/v1/users/abc'],
      ['GET', '/api'],
    ] as const) {
      const res = await request(`${gw.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).to.equal(404);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.body).to.deep.equal({ error: { code: 'NOT_FOUND', message: 'route not found' } });
    }
  });

  it('a malformed JSON body answers 400 JSON, not an HTML page', async () => {
    const res = await request(`${gw.url}/api/v1/auth/login`, {
      method: 'POST',
      body: '{"email": "a@b.co",',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).to.equal(400);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.body).to.deep.equal({ error: { code: 'BAD_REQUEST', message: 'body: malformed JSON' } });
  });

  it('reads a JSON body sent with a charset parameter', async () => {
    const res = await request(`${gw.url}/api/v1/auth/login`, {
      method: 'POST',
      json: { email: 'not-an-email', password: 'correct horse' },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ error: { code: 'BAD_REQUEST', message: 'email: must be an email address' } });
  });

  it('names a missing body field', async () => {
    const res = await request(`${gw.url}/api/v1/auth/register`, {
      method: 'POST',
      json: { email: 'ada@example.com', password: 'correct horse' },
    });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ error: { code: 'BAD_REQUEST', message: 'name: is required' } });
  });

  it('rejects a body over 100 KiB with 413 JSON', async () => {
    const res = await request(`${gw.url}/api/v1/auth/login`, {
      method: 'POST',
      json: { email: 'ada@example.com', password: 'x'.repeat(110 * 1024) },
    });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('rejects non-integer query strings naming the field, before any service call', async () => {
    for (const [query, field] of [
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=10&offset=2e1', 'offset'],
    ]) {
      const res = await request(`${gw.url}/api/v1/users?${query}`, { headers: { authorization: 'Bearer t' } });
      expect(res.status, query).to.equal(400);
      expect(res.body).to.deep.equal({ error: { code: 'BAD_REQUEST', message: `${field}: must be a whole number` } });
    }
  });

  it('applies the shared range rules to parsed query numbers', async () => {
    const res = await request(`${gw.url}/api/v1/users?limit=101`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).to.equal(400);
    expect(res.body.error.message).to.equal('limit: must be at most 100');
  });

  it('/trpc does not coerce strings to numbers', async () => {
    const input = encodeURIComponent(JSON.stringify({ limit: '7' }));
    const res = await request(`${gw.url}/trpc/users.list?input=${input}`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).to.equal(400);
    expect(res.body.error.message).to.match(/^limit: /);
  });

  it('a protected route without an Authorization header answers 401 without calling a service', async () => {
    const started = Date.now();
    const res = await request(`${gw.url}/api/v1/auth/me`);
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({ error: { code: 'UNAUTHORIZED', message: 'missing bearer token' } });
    expect(Date.now() - started).to.be.below(500);
  });

  it('tRPC input errors name the field and carry no stack', async () => {
    const input = encodeURIComponent(JSON.stringify({ id: 'not-a-uuid' }));
    const res = await request(`${gw.url}/trpc/users.get?input=${input}`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).to.equal(400);
    expect(res.body.error.message).to.equal('id: must be a UUID');
    expect(res.body.error.data).to.deep.equal({ code: 'BAD_REQUEST', httpStatus: 400, path: 'users.get' });
  });

  it('logs one line per request with the route pattern, and never the Authorization header', async () => {
    const id = '3f1c1d52-7c55-4c8e-9d8c-0a4b7a1e2f10';
    await request(`${gw.url}/api/v1/users/${id}?limit=x`, { headers: { authorization: 'Bearer secret-token' } });
    await new Promise((r) => setTimeout(r, 20));
    const line = gw.logs.filter((l) => l.msg === 'request').at(-1);
    expect(line).to.include({ method: 'GET', path: '/api/v1/users/:id', status: 503 });
    expect(line!.durationMs).to.be.a('number');
    expect(JSON.stringify(gw.logs)).to.not.include('secret-token');
  });
});
