import { status as GrpcStatus } from '@grpc/grpc-js';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { expect } from 'chai';
import { DOWNSTREAM } from '../../../../gateway/grpc-clients';
import type { AppRouter } from '../../../../gateway/trpc/app-router';
import { FakeServices, grpcFailure, hang } from '../../../support/fake-services';
import { request, startGateway, type RunningGateway } from '../../../support/gateway-harness';

const ID = '3f1c1d52-7c55-4c8e-9d8c-0a4b7a1e2f10';
const OTHER_ID = '9b2e4f60-1d3a-4c5b-8e7f-112233445566';
const USER_KEYS = ['createdAt', 'email', 'id', 'name', 'role', 'updatedAt'];

// Every procedure through REST and tRPC against scripted gRPC fakes: what reaches the services
// (request, bearer, deadline) and what comes back (shape, status, error mapping).
describe('gateway procedures against fake services', () => {
  let fakes: FakeServices;
  let gw: RunningGateway;
  const DEADLINE_MS = 800;
  const bearer = { authorization: 'Bearer access-1' };

  before(async () => {
    fakes = await FakeServices.start();
    gw = await startGateway({ ...fakes.gatewayEnv, GRPC_DEADLINE_MS: String(DEADLINE_MS) });
  });
  beforeEach(() => fakes.reset());
  after(async () => {
    await gw.close();
    await fakes.stop();
  });

  it('GET /ready answers 200 when every service reports SERVING', async () => {
    const res = await request(`${gw.url}/ready`);
    expect(res.status).to.equal(200);
    const every = Object.fromEntries(Object.keys(DOWNSTREAM).map((name) => [name, 'SERVING']));
    expect(res.body).to.deep.equal({ status: 'ready', services: every });
  });

  it('POST /api/v1/auth/register -> CreateUser, 201 {user, tokens...} with the email normalised', async () => {
    const started = Date.now();
    const res = await request(`${gw.url}/api/v1/auth/register`, {
      method: 'POST',
      json: { email: '  Ada@Example.COM ', password: 'correct horse', name: ' Ada ' },
    });
    expect(res.status).to.equal(201);
    expect(Object.keys(res.body).sort()).to.deep.equal(['accessToken', 'expiresIn', 'refreshToken', 'tokenType', 'user']);
    expect(Object.keys(res.body.user).sort()).to.deep.equal(USER_KEYS);
    expect(res.body).to.include({ accessToken: 'access-1', refreshToken: 'refresh-1', tokenType: 'Bearer', expiresIn: 900 });
    const [call] = fakes.callsTo('user.createUser');
    expect(call!.request).to.deep.equal({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' });
    expect(call!.authorization).to.equal(undefined);
    // Every call carries the configured deadline.
    expect(call!.deadline).to.be.within(started + DEADLINE_MS - 100, Date.now() + DEADLINE_MS + 100);
  });

  it('POST /api/v1/auth/login and /refresh answer 200 with a token pair only', async () => {
    const login = await request(`${gw.url}/api/v1/auth/login`, {
      method: 'POST',
      json: { email: 'ada@example.com', password: 'correct horse' },
    });
    expect(login.status).to.equal(200);
    expect(login.body).to.deep.equal({ accessToken: 'access-1', refreshToken: 'refresh-1', tokenType: 'Bearer', expiresIn: 900 });
    const refresh = await request(`${gw.url}/api/v1/auth/refresh`, { method: 'POST', json: { refreshToken: 'refresh-1' } });
    expect(refresh.status).to.equal(200);
    expect(refresh.body).to.include({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(fakes.callsTo('auth.refreshToken')[0]!.request).to.deep.equal({ refreshToken: 'refresh-1' });
  });

  it('POST /api/v1/auth/logout forwards the bearer and answers 204 with no body', async () => {
    const res = await request(`${gw.url}/api/v1/auth/logout`, {
      method: 'POST',
      json: { refreshToken: 'refresh-1' },
      headers: bearer,
    });
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    const [call] = fakes.callsTo('auth.logout');
    expect(call!.authorization).to.equal('Bearer access-1');
    expect(call!.request).to.deep.equal({ refreshToken: 'refresh-1' });
  });

  it('GET /api/v1/auth/me asks the auth service who it is, then the user service, both with the bearer', async () => {
    // A slow first hop: the second must still get the request's deadline, not a fresh one.
    fakes.script['auth.getCurrentUser'] = async () => {
      await new Promise((r) => setTimeout(r, 200));
      return { userId: 'u-me', email: 'me@example.com' };
    };
    const res = await request(`${gw.url}/api/v1/auth/me`, { headers: bearer });
    expect(res.status).to.equal(200);
    expect(res.body.user.id).to.equal('u-me');
    expect(fakes.calls.map((c) => c.method)).to.deep.equal(['auth.getCurrentUser', 'user.getUser']);
    expect(fakes.calls.map((c) => c.authorization)).to.deep.equal(['Bearer access-1', 'Bearer access-1']);
    expect(fakes.callsTo('user.getUser')[0]!.request).to.deep.equal({ id: 'u-me' });
    // Both hops share the request's one deadline (grpc-timeout travels in whole ms, so allow a few).
    expect(fakes.calls[1]!.deadline).to.be.closeTo(fakes.calls[0]!.deadline, 50);
  });

  it('forwards a present but unusable token so the service rejects it (401 with its message)', async () => {
    fakes.script['auth.getCurrentUser'] = async () => {
      throw grpcFailure(GrpcStatus.UNAUTHENTICATED, 'invalid token');
    };
    const res = await request(`${gw.url}/api/v1/auth/me`, { headers: { authorization: 'Bearer garbage' } });
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({ error: { code: 'UNAUTHORIZED', message: 'invalid token' } });
    expect(fakes.callsTo('auth.getCurrentUser')[0]!.authorization).to.equal('Bearer garbage');
    const basic = await request(`${gw.url}/api/v1/auth/me`, { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).to.equal(401);
    // Not a bearer token: the call still goes out (the hop shows in the trace), without credentials.
    expect(fakes.callsTo('auth.getCurrentUser')).to.have.length(2);
    expect(fakes.callsTo('auth.getCurrentUser')[1]!.authorization).to.equal(undefined);
  });

  it('GET /api/v1/users parses limit/offset to integers and echoes them', async () => {
    const res = await request(`${gw.url}/api/v1/users?limit=5&offset=10`, { headers: bearer });
    expect(res.status).to.equal(200);
    expect(Object.keys(res.body).sort()).to.deep.equal(['limit', 'offset', 'total', 'users']);
    expect(res.body).to.include({ total: 42, limit: 5, offset: 10 });
    expect(res.body.users).to.have.length(2);
    expect(fakes.callsTo('user.listUsers')[0]!.request).to.deep.equal({ limit: 5, offset: 10 });
  });

  it('GET /api/v1/users without a query uses limit 20, offset 0', async () => {
    const res = await request(`${gw.url}/api/v1/users`, { headers: bearer });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ limit: 20, offset: 0 });
    expect(fakes.callsTo('user.listUsers')[0]!.request).to.deep.equal({ limit: 20, offset: 0 });
  });

  it('GET /api/v1/users/:id answers {user}', async () => {
    const res = await request(`${gw.url}/api/v1/users/${ID}`, { headers: bearer });
    expect(res.status).to.equal(200);
    expect(Object.keys(res.body)).to.deep.equal(['user']);
    expect(res.body.user.id).to.equal(ID);
  });

  it('PATCH /api/v1/users/:id sends the path id (not a body id) and only the given fields', async () => {
    const res = await request(`${gw.url}/api/v1/users/${ID}`, {
      method: 'PATCH',
      json: { id: OTHER_ID, name: 'Ada L', password: 'not forwarded' },
      headers: bearer,
    });
    expect(res.status).to.equal(200);
    expect(res.body.user).to.include({ id: ID, name: 'Ada L' });
    // proto3 `optional`: fields the caller did not send arrive unset.
    const sent = fakes.callsTo('user.updateUser')[0]!.request as Record<string, unknown>;
    expect(Object.fromEntries(Object.entries(sent).filter(([, v]) => v !== undefined))).to.deep.equal({ id: ID, name: 'Ada L' });
  });

  it('DELETE /api/v1/users/:id answers 204 with no body', async () => {
    const res = await request(`${gw.url}/api/v1/users/${ID}`, { method: 'DELETE', headers: bearer });
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    expect(fakes.callsTo('user.deleteUser')[0]!.request).to.deep.equal({ id: ID });
  });

  it('maps service statuses to HTTP statuses with the service message', async () => {
    const cases: Array<[GrpcStatus, string, number, string]> = [
      [GrpcStatus.ALREADY_EXISTS, 'email already registered', 409, 'CONFLICT'],
      [GrpcStatus.PERMISSION_DENIED, 'only an admin may do that', 403, 'FORBIDDEN'],
      [GrpcStatus.NOT_FOUND, 'user not found', 404, 'NOT_FOUND'],
      [GrpcStatus.RESOURCE_EXHAUSTED, 'too many requests', 429, 'TOO_MANY_REQUESTS'],
      [GrpcStatus.INTERNAL, 'SqliteError: disk I/O error', 500, 'INTERNAL_SERVER_ERROR'],
    ];
    for (const [code, details, http, trpc] of cases) {
      fakes.script['user.getUser'] = async () => {
        throw grpcFailure(code, details);
      };
      const res = await request(`${gw.url}/api/v1/users/${ID}`, { headers: bearer });
      expect(res.status, GrpcStatus[code]).to.equal(http);
      const message = trpc === 'INTERNAL_SERVER_ERROR' ? 'internal error' : details;
      expect(res.body).to.deep.equal({ error: { code: trpc, message } });
    }
  });

  it('answers 504 GATEWAY_TIMEOUT when a service outlives the deadline', async () => {
    fakes.script['user.getUser'] = hang;
    const started = Date.now();
    const res = await request(`${gw.url}/api/v1/users/${ID}`, { headers: bearer });
    expect(res.status).to.equal(504);
    expect(res.body).to.deep.equal({ error: { code: 'GATEWAY_TIMEOUT', message: 'deadline exceeded' } });
    expect(Date.now() - started).to.be.within(DEADLINE_MS - 50, DEADLINE_MS + 500);
  });

  it('serves the typed tRPC client, batching calls made together into one request', async () => {
    let requests = 0;
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${gw.url}/trpc`,
          headers: () => bearer,
          fetch: async (input, init) => {
            requests++;
            return fetch(input as string, init as RequestInit);
          },
        }),
      ],
    });
    fakes.script['user.getUser'] = async (req: { id: string }) => {
      if (req.id === OTHER_ID) throw grpcFailure(GrpcStatus.NOT_FOUND, 'user not found');
      return { user: { id: req.id, email: 'a@example.com', name: 'A', role: 'user', createdAt: '', updatedAt: '' } };
    };
    const [me, page, missing] = await Promise.allSettled([
      client.auth.me.query(),
      client.users.list.query(),
      client.users.get.query({ id: OTHER_ID }),
    ]);
    expect(requests).to.equal(1);
    expect(me.status === 'fulfilled' && me.value.user.id).to.equal('u-me');
    expect(page.status === 'fulfilled' && page.value.limit).to.equal(20);
    expect(missing.status).to.equal('rejected');
    const err = (missing as PromiseRejectedResult).reason as TRPCClientError<AppRouter>;
    expect(err).to.be.instanceOf(TRPCClientError);
    expect(err.message).to.equal('user not found');
    expect(err.data?.code).to.equal('NOT_FOUND');
    expect(err.data).to.not.have.property('stack');

    const created = await client.auth.register.mutate({ email: 'b@example.com', password: 'correct horse', name: 'B' });
    expect(created.user.email).to.equal('b@example.com');
    expect(created.tokenType).to.equal('Bearer');
  });
});
