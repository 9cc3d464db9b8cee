import crypto from 'node:crypto';
import { status, type ServiceError } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { AuthServiceClient, type TokenPair } from '../../../../gen/auth/v1/auth';
import { loadConfig } from '../../../../shared/config/load-config';
import { createClient, unary } from '../../../../shared/grpc/client';
import { bearerMetadata } from '../../../../shared/grpc/metadata';
import { createLogger } from '../../../../shared/logging/logger';
import { authMethodOf } from '../../../../services/auth/auth-handlers';
import { authConfigSchema } from '../../../../services/auth/config';
import { startAuthService, type RunningAuthService } from '../../../../services/auth/start-auth-service';
import { tlsAs, tlsEnvOf } from '../../../support/pki';

/** Asserts a call failed with `code` and a details text matching `details`. */
async function expectStatus(promise: Promise<unknown>, code: status, details: RegExp): Promise<void> {
  const err = await promise.then(
    () => expect.fail(`expected ${status[code]}`),
    (e: unknown) => e as ServiceError,
  );
  expect(status[err.code], err.details).to.equal(status[code]);
  expect(err.details).to.match(details);
}

describe('auth service over gRPC (real server, :memory: database)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing = false;
  let service: RunningAuthService;
  // The user service's calls (Register, credentials) and the gateway's (login, tokens), each as
  // the service the contract allows.
  let client: InstanceType<typeof AuthServiceClient>;
  let gateway: InstanceType<typeof AuthServiceClient>;

  const userId = crypto.randomUUID();
  const password = 'correct horse battery';
  const deadline = () => Date.now() + 10_000;
  const call = {
    register: (req: { userId: string; email: string; password: string }) =>
      unary(client, client.register, req, { deadline: deadline() }),
    login: (email: string, pw: string) => unary(gateway, gateway.login, { email, password: pw }, { deadline: deadline() }),
    refresh: (refreshToken: string) => unary(gateway, gateway.refreshToken, { refreshToken }, { deadline: deadline() }),
    validate: (token?: string) =>
      unary(client, client.validateToken, {}, { metadata: bearerMetadata(token), deadline: deadline() }),
    me: (token?: string) => unary(gateway, gateway.getCurrentUser, {}, { metadata: bearerMetadata(token), deadline: deadline() }),
    logout: (token: string | undefined, refreshToken: string) =>
      unary(gateway, gateway.logout, { refreshToken }, { metadata: bearerMetadata(token), deadline: deadline() }),
    update: (id: string, email: string) => unary(client, client.updateCredentials, { userId: id, email }, { deadline: deadline() }),
    remove: (id: string) => unary(client, client.deleteCredentials, { userId: id }, { deadline: deadline() }),
  };

  before(async () => {
    // Spans are checked for leaked secrets when this file may own the global provider.
    tracing = trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const config = loadConfig(authConfigSchema, {
      env: { AUTH_SERVICE_PORT: '0', AUTH_DB_PATH: ':memory:', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...(await tlsEnvOf('auth-service')) },
    });
    service = await startAuthService(config, createLogger('auth-service', 'silent'));
    expect(service.port).to.be.greaterThan(0);
    client = createClient(AuthServiceClient, `127.0.0.1:${service.port}`, await tlsAs('user-service'), { server: 'auth-service' });
    gateway = createClient(AuthServiceClient, `127.0.0.1:${service.port}`, await tlsAs('gateway'), { server: 'auth-service' });
  });

  after(async () => {
    client?.close();
    gateway?.close();
    await service?.shutdown();
    if (tracing) trace.disable();
  });

  let registered: TokenPair;
  let loggedIn: TokenPair;

  it('Register stores credentials (email lower-cased) and issues a token pair', async () => {
    const res = await call.register({ userId, email: '  Ada@Example.COM ', password });
    registered = res.tokens!;
    expect(registered.tokenType).to.equal('Bearer');
    expect(registered.expiresIn).to.equal(900);
    expect(registered.accessToken.split('.')).to.have.length(3);
    expect(registered.refreshToken).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  it('Register refuses a taken email and malformed input, naming the field', async () => {
    await expectStatus(call.register({ userId: crypto.randomUUID(), email: 'ada@example.com', password }), status.ALREADY_EXISTS, /^email: already registered$/);
    await expectStatus(call.register({ userId, email: 'other@example.com', password }), status.ALREADY_EXISTS, /^userId: already registered$/);
    await expectStatus(call.register({ userId: 'not-a-uuid', email: 'b@example.com', password }), status.INVALID_ARGUMENT, /^userId: /);
    await expectStatus(call.register({ userId: crypto.randomUUID(), email: 'nope', password }), status.INVALID_ARGUMENT, /^email: /);
    await expectStatus(call.register({ userId: crypto.randomUUID(), email: 'b@example.com', password: 'short' }), status.INVALID_ARGUMENT, /^password: /);
  });

  it('Login accepts the right password, any email case', async () => {
    const res = await call.login('ADA@example.com', password);
    expect(res.userId).to.equal(userId);
    loggedIn = res.tokens!;
    expect(loggedIn.accessToken).to.not.equal(registered.accessToken);
  });

  it('Login gives a wrong password and an unknown email the same answer', async () => {
    await expectStatus(call.login('ada@example.com', 'wrong password!'), status.UNAUTHENTICATED, /^invalid email or password$/);
    await expectStatus(call.login('nobody@example.com', password), status.UNAUTHENTICATED, /^invalid email or password$/);
    await expectStatus(call.login('not an email', password), status.INVALID_ARGUMENT, /^email: /);
  });

  it('ValidateToken and GetCurrentUser read the bearer token from metadata', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await call.validate(registered.accessToken);
    expect(res.userId).to.equal(userId);
    expect(res.email).to.equal('ada@example.com');
    expect(res.expiresAt).to.be.within(now + 890, now + 901);
    expect(await call.me(registered.accessToken)).to.deep.equal({ userId, email: 'ada@example.com' });
    await expectStatus(call.validate(undefined), status.UNAUTHENTICATED, /access token/);
    await expectStatus(call.validate('garbage.token.here'), status.UNAUTHENTICATED, /^invalid or expired access token$/);
  });

  it('RefreshToken rotates; the old refresh token is then refused', async () => {
    const res = await call.refresh(registered.refreshToken);
    const next = res.tokens!;
    expect(next.refreshToken).to.not.equal(registered.refreshToken);
    expect((await call.validate(next.accessToken)).userId).to.equal(userId);
    await expectStatus(call.refresh(registered.refreshToken), status.UNAUTHENTICATED, /refresh token/);
    // Reuse revoked the family: the successor is dead too.
    await expectStatus(call.refresh(next.refreshToken), status.UNAUTHENTICATED, /refresh token/);
  });

  it('Logout revokes the access token and the refresh token family; ValidateToken then rejects it', async () => {
    expect((await call.validate(loggedIn.accessToken)).userId).to.equal(userId);
    expect(await call.logout(loggedIn.accessToken, loggedIn.refreshToken)).to.deep.equal({});
    await expectStatus(call.validate(loggedIn.accessToken), status.UNAUTHENTICATED, /^invalid or expired access token$/);
    await expectStatus(call.me(loggedIn.accessToken), status.UNAUTHENTICATED, /access token/);
    await expectStatus(call.refresh(loggedIn.refreshToken), status.UNAUTHENTICATED, /refresh token/);
    await expectStatus(call.logout(undefined, ''), status.UNAUTHENTICATED, /access token/);
  });

  it('Logout with an unknown refresh token still logs the access token out', async () => {
    const { tokens } = await call.login('ada@example.com', password);
    expect(await call.logout(tokens!.accessToken, 'unknown-refresh-token')).to.deep.equal({});
    await expectStatus(call.validate(tokens!.accessToken), status.UNAUTHENTICATED, /access token/);
    // The session's own refresh token was not named, so it still works.
    expect((await call.refresh(tokens!.refreshToken)).tokens?.tokenType).to.equal('Bearer');
  });

  it('UpdateCredentials changes the login email', async () => {
    const other = crypto.randomUUID();
    await call.register({ userId: other, email: 'grace@example.com', password });
    await expectStatus(call.update(userId, 'grace@example.com'), status.ALREADY_EXISTS, /^email: already registered$/);
    await expectStatus(call.update(crypto.randomUUID(), 'new@example.com'), status.NOT_FOUND, /userId/);
    await call.update(userId, 'Ada.Lovelace@example.com');
    const { tokens } = await call.login('ada.lovelace@example.com', password);
    expect((await call.validate(tokens!.accessToken)).email).to.equal('ada.lovelace@example.com');
    await expectStatus(call.login('ada@example.com', password), status.UNAUTHENTICATED, /invalid email or password/);
  });

  it('DeleteCredentials ends every session of the user and is idempotent', async () => {
    const { tokens } = await call.login('ada.lovelace@example.com', password);
    expect((await call.validate(tokens!.accessToken)).userId).to.equal(userId);
    expect(await call.remove(userId)).to.deep.equal({});
    await expectStatus(call.validate(tokens!.accessToken), status.UNAUTHENTICATED, /access token/);
    await expectStatus(call.refresh(tokens!.refreshToken), status.UNAUTHENTICATED, /refresh token/);
    await expectStatus(call.login('ada.lovelace@example.com', password), status.UNAUTHENTICATED, /invalid email or password/);
    expect(await call.remove(userId)).to.deep.equal({});
    await expectStatus(call.remove('nope'), status.INVALID_ARGUMENT, /^userId: /);
  });

  it('labels operations with auth.method and never puts an email, password or token in a span', function () {
    expect(authMethodOf('Register')).to.equal('password');
    expect(authMethodOf('Login')).to.equal('password');
    expect(authMethodOf('RefreshToken')).to.equal('refresh_token');
    expect(authMethodOf('ValidateToken')).to.equal('bearer');
    if (!tracing) this.skip();

    const spans = exporter.getFinishedSpans();
    const login = spans.find((s) => s.name === 'Login' && s.attributes['enduser.id'] === userId);
    expect(login?.attributes).to.include({ 'auth.method': 'password', service: 'auth-service', operation: 'login' });
    expect(spans.find((s) => s.name === 'RefreshToken')?.attributes['auth.method']).to.equal('refresh_token');
    expect(spans.find((s) => s.name === 'ValidateToken')?.attributes['auth.method']).to.equal('bearer');

    const dump = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    for (const secret of [password, 'ada@example.com', 'ada.lovelace', 'grace@example', registered.accessToken, registered.refreshToken, loggedIn.refreshToken]) {
      expect(dump).to.not.include(secret);
    }
  });
});
