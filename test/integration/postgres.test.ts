import { expect } from 'chai';
import { Client } from 'pg';
import { GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { get, patch, post, type HttpResult } from '../support/http';
import { sharedJaeger } from '../support/shared-jaeger';
import { KIND, STATUS, type StoredSpan } from '../support/jaeger';
import { execSql, sharedPostgres, startPostgres, type TestPostgres } from '../support/postgres';
import { sleep, startStack, useStack, type Stack } from '../support/stack';
import { traceIdOf } from '../support/trace-shape';

const countStatuses = (results: HttpResult[]) =>
  results.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

/** Polls `/ready` until it answers `status` with these service states, or fails after `timeoutMs`. */
async function waitForReady(stack: Stack, status: number, services: Record<string, string>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: HttpResult | undefined;
  while (Date.now() < deadline) {
    last = await get(`${stack.gatewayUrl}/ready`);
    // The services named; any other the stack has (a generated one) is on another database.
    if (last.status === status && Object.entries(services).every(([name, serving]) => last!.body.services?.[name] === serving)) return;
    await sleep(200);
  }
  throw new Error(`/ready did not answer ${status} ${JSON.stringify(services)} within ${timeoutMs} ms; last: ${last?.status} ${JSON.stringify(last?.body)}`);
}

describe('PostgreSQL: what two statements must agree on, under concurrency (real server)', function () {
  this.timeout(120_000);
  const stack = useStack({ database: 'postgres' });
  const url = (p: string) => `${stack().gatewayUrl}${p}`;

  it('runs the services on their own PostgreSQL databases', async () => {
    const pg = await sharedPostgres();
    const env = { user: stack().envOf('user'), auth: stack().envOf('auth') };
    expect(env.user.USER_DB_URL).to.match(/^postgres:\/\//);
    expect(env.auth.AUTH_DB_URL).to.match(/^postgres:\/\//);
    const account = await registerAccount(stack().gatewayUrl);
    // The rows really are in PostgreSQL, in the database each service was given.
    const users = await execSql(env.user.USER_DB_URL!, 'SELECT email FROM users WHERE id = $1', [account.id]);
    const creds = await execSql(env.auth.AUTH_DB_URL!, 'SELECT email FROM credentials WHERE user_id = $1', [account.id]);
    expect(users).to.deep.equal([{ email: account.email }]);
    expect(creds).to.deep.equal([{ email: account.email }]);
    expect(pg.url).to.match(/127\.0\.0\.1/);
  });

  it('gives 50 concurrent refreshes of one token exactly one success, and revokes the family', async () => {
    const account = await registerAccount(stack().gatewayUrl);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => post(url('/api/v1/auth/refresh'), { refreshToken: account.refreshToken })),
    );
    expect(countStatuses(results), 'statuses of the 50 refreshes').to.deep.equal({ 200: 1, 401: 49 });
    const winner = results.find((r) => r.status === 200)!;
    // The reuse revoked the whole family, the winner's successor included.
    const again = await post(url('/api/v1/auth/refresh'), { refreshToken: winner.body.refreshToken });
    expect(again.status, JSON.stringify(again.body)).to.equal(401);
    const rows = await execSql(stack().envOf('auth').AUTH_DB_URL!, 'SELECT count(*)::int AS n, count(revoked_at)::int AS revoked FROM refresh_tokens WHERE user_id = $1', [account.id]);
    expect(rows[0]).to.deep.equal({ n: 2, revoked: 2 });
  });

  it('registers one of 20 concurrent registrations of one email, leaving exactly one profile and one login', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(url('/api/v1/auth/register'), { email, password: GOOD_PASSWORD, name: `Racer ${i}` })),
    );
    expect(countStatuses(results)).to.deep.equal({ 201: 1, 409: 19 });
    const users = await execSql(stack().envOf('user').USER_DB_URL!, 'SELECT id FROM users WHERE email = $1', [email]);
    const creds = await execSql(stack().envOf('auth').AUTH_DB_URL!, 'SELECT user_id FROM credentials WHERE email = $1', [email]);
    expect(users).to.have.length(1);
    expect(creds.map((c) => c.user_id)).to.deep.equal(users.map((u) => u.id));
    const login = await post(url('/api/v1/auth/login'), { email, password: GOOD_PASSWORD });
    expect(login.status).to.equal(200);
  });

  it('lets one of two users take a free email at once; both keep a profile and a login that agree', async () => {
    const [a, b]: Account[] = await Promise.all([registerAccount(stack().gatewayUrl), registerAccount(stack().gatewayUrl)]);
    const wanted = uniqueEmail('wanted');
    const results = await Promise.all([
      patch(url(`/api/v1/users/${a!.id}`), { email: wanted }, { token: a!.accessToken }),
      patch(url(`/api/v1/users/${b!.id}`), { email: wanted }, { token: b!.accessToken }),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409]);
    for (const account of [a!, b!]) {
      const profile = await execSql(stack().envOf('user').USER_DB_URL!, 'SELECT email FROM users WHERE id = $1', [account.id]);
      const login = await execSql(stack().envOf('auth').AUTH_DB_URL!, 'SELECT email FROM credentials WHERE user_id = $1', [account.id]);
      expect(login, `credentials of ${account.email}`).to.deep.equal(profile);
    }
    const emails = (await execSql(stack().envOf('user').USER_DB_URL!, 'SELECT id FROM users WHERE email = $1', [wanted])).map((r) => r.id);
    expect(emails).to.have.length(1);
  });

  it('traces statements as postgresql, with placeholders and never the values', async () => {
    const account = await registerAccount(stack().gatewayUrl);
    const res = await get(url(`/api/v1/users/${account.id}`), { token: account.accessToken });
    expect(res.status).to.equal(200);
    const traceId = traceIdOf(res.headers);
    const jaeger = await sharedJaeger();
    const isDb = (s: { attributes: Record<string, unknown> }) => s.attributes['db.system.name'] !== undefined;
    const expected = ['auth-service:SELECT credentials', 'user-service:SELECT users'];
    const dbNames = (all: StoredSpan[]) => all.filter(isDb).map((s) => `${s.service}:${s.name}`);
    // Wait for both services' spans: the user service makes more than one DB span, and each
    // process exports on its own schedule, so two DB spans can both be the user service's.
    const spans = await jaeger.getTrace(traceId, (all) => expected.every((name) => dbNames(all).includes(name)));
    const dbSpans = spans.filter(isDb);
    expect(dbNames(spans).sort()).to.include.members(expected);
    const names = {
      'user-service': new URL(stack().envOf('user').USER_DB_URL!).pathname.slice(1),
      'auth-service': new URL(stack().envOf('auth').AUTH_DB_URL!).pathname.slice(1),
    } as Record<string, string>;
    for (const span of dbSpans) {
      expect(span.kind).to.equal(KIND.CLIENT);
      expect(span.status).to.not.equal(STATUS.ERROR);
      expect(span.attributes).to.include({ 'db.system.name': 'postgresql', 'db.namespace': names[span.service], 'server.address': '127.0.0.1' });
      const text = String(span.attributes['db.query.text']);
      expect(text).to.match(/\$1/);
      expect(text).not.to.include(account.id);
      expect(text).not.to.include(account.email);
    }
  });
});

describe('PostgreSQL: an unreachable or exhausted database (own cluster, real outage)', function () {
  this.timeout(180_000);
  const DEADLINE_MS = 4000;
  let pg: TestPostgres;
  let stack: Stack;
  let account: Account;
  const url = (p: string) => `${stack.gatewayUrl}${p}`;

  before(async function () {
    this.timeout(120_000);
    pg = await startPostgres();
    const [userDb, authDb] = await Promise.all([pg.createDatabase('user'), pg.createDatabase('auth')]);
    const timeouts = { _DB_POOL_SIZE: '2', _DB_STATEMENT_TIMEOUT_MS: '1000', _DB_CONNECT_TIMEOUT_MS: '500' };
    const dbEnv = (prefix: string, dbUrl: string) => ({
      [`${prefix}_DB_URL`]: dbUrl,
      ...Object.fromEntries(Object.entries(timeouts).map(([k, v]) => [`${prefix}${k}`, v])),
    });
    stack = await startStack({
      env: { GRPC_DEADLINE_MS: String(DEADLINE_MS) },
      envFor: { user: dbEnv('USER', userDb), auth: dbEnv('AUTH', authDb) },
    });
    account = await registerAccount(stack.gatewayUrl);
  });

  after(async function () {
    this.timeout(60_000);
    await stack?.stop();
    await pg?.stop();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`\n${stack.dumpLogs(40)}\n`);
  });

  it('answers 503 within the deadline while the server is down, reports NOT_SERVING, and recovers by itself', async () => {
    expect((await get(url(`/api/v1/users/${account.id}`), { token: account.accessToken })).status).to.equal(200);
    await pg.pause();
    try {
      await expectOutage();
    } finally {
      await pg.resume();
    }
    await waitForReady(stack, 200, { user: 'SERVING', auth: 'SERVING' }, 15_000);
    const after = await get(url(`/api/v1/users/${account.id}`), { token: account.accessToken });
    expect(after.status, JSON.stringify(after.body)).to.equal(200);
    for (const name of ['user', 'auth', 'gateway'] as const) expect(stack.processes[name].running, `${name} still running`).to.equal(true);
  });

  /** What callers see while the server is down. */
  async function expectOutage(): Promise<void> {
    const started = Date.now();
    const during = await Promise.all(
      Array.from({ length: 10 }, () => get(url(`/api/v1/users/${account.id}`), { token: account.accessToken })),
    );
    const took = Date.now() - started;
    expect(countStatuses(during), JSON.stringify(during[0]?.body)).to.deep.equal({ 503: 10 });
    expect(took, 'ms until all 10 answered').to.be.below(DEADLINE_MS);
    // The caller learns what happened, not how: no driver message, no address.
    expect(JSON.stringify(during[0]!.body)).to.match(/unavailable/i).and.not.match(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
    const login = await post(url('/api/v1/auth/login'), { email: account.email, password: account.password });
    expect(login.status).to.equal(503);

    // Both services notice by themselves (their readiness check), within a few seconds.
    await waitForReady(stack, 503, { user: 'NOT_SERVING', auth: 'NOT_SERVING' }, 10_000);
  }

  it('answers 503 within the deadline when every pooled connection is stuck, and serves again after', async () => {
    // Another client holds a lock on users: each statement on it waits until the statement
    // timeout; meanwhile the two pooled connections are busy and further calls wait for one.
    const locker = new Client({ connectionString: stack.envOf('user').USER_DB_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const stuck = await Promise.all(
        Array.from({ length: 8 }, () => get(url(`/api/v1/users/${account.id}`), { token: account.accessToken })),
      );
      const took = Date.now() - started;
      expect(countStatuses(stuck)).to.deep.equal({ 503: 8 });
      expect(took, 'ms until all 8 answered').to.be.below(DEADLINE_MS);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    // With the pool exhausted, the readiness check (SELECT 1) may have timed out too and marked
    // the service NOT_SERVING, so callers skip it until its next check passes: wait for that.
    await waitForReady(stack, 200, { user: 'SERVING', auth: 'SERVING' }, 15_000);
    const after = await get(url(`/api/v1/users/${account.id}`), { token: account.accessToken });
    expect(after.status, JSON.stringify(after.body)).to.equal(200);
    for (const name of ['user', 'auth', 'gateway'] as const) expect(stack.processes[name].running, `${name} still running`).to.equal(true);
  });
});
