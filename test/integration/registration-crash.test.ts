import Database from 'better-sqlite3';
import { expect } from 'chai';
import { sendSignal } from '../../scripts/stack/launch';
import { GOOD_PASSWORD, uniqueEmail } from '../support/accounts';
import { forEachDatabase } from '../support/databases';
import { get, post, type HttpResult } from '../support/http';
import { execSql } from '../support/postgres';
import { sharedJaeger } from '../support/shared-jaeger';
import { sleep, useStack, type Stack } from '../support/stack';
import { traceIdOf } from '../support/trace-shape';

// The window between the two writes of a registration (profile in the user service, credentials
// in the auth service) is widened with the FAULTS knob on the auth service's Register: the user
// service is killed while it waits there, and the auth service still stores the credentials.
const REGISTER_DELAY_MS = 2500;
// Long enough that the kill, the wait for the credentials and the restart (5-7 s on a loaded CI
// machine) leave the pending profile still young when the test asks for the email again.
const STALE_AFTER_MS = 15_000;

/** Rows of one service's database, whichever engine the stack runs on. */
async function rows(stack: Stack, service: 'user' | 'auth', sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  const env = stack.envOf(service);
  const url = env[`${service.toUpperCase()}_DB_URL`];
  if (url) return execSql(url, sql.replace(/\?/g, (_, i: number) => `$${sql.slice(0, i).split('?').length}`), params);
  const db = new Database(env[`${service.toUpperCase()}_DB_PATH`]!, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** The profile rows and credential rows registered under `email`. */
async function registrationOf(stack: Stack, email: string) {
  return {
    profiles: await rows(stack, 'user', 'SELECT id, status, created_at FROM users WHERE email = ?', [email]),
    credentials: await rows(stack, 'auth', 'SELECT user_id FROM credentials WHERE email = ?', [email]),
  };
}

/** Polls `check` every `intervalMs` until it passes or `timeoutMs` is over (then rethrows its last failure). */
async function eventually(timeoutMs: number, check: () => Promise<void>, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

forEachDatabase((database) =>
  describe(`registration killed half-way (SIGKILL of the user service between its two writes) [${database}]`, function () {
    this.timeout(120_000);
    const stack = useStack({
      database,
      env: { GRPC_DEADLINE_MS: '3000' },
      envFor: {
        auth: { FAULTS: `auth.v1.AuthService/Register:delay=${REGISTER_DELAY_MS}ms` },
        user: { REGISTRATION_STALE_AFTER_MS: String(STALE_AFTER_MS) },
      },
    });
    const register = (email: string, password = GOOD_PASSWORD) =>
      post(`${stack().gatewayUrl}/api/v1/auth/register`, { email, password, name: 'Half Way' });

    /** Starts a registration, kills the user service while the auth service is storing the credentials, restarts it. */
    async function killMidRegistration(email: string): Promise<void> {
      const pending = register(email, 'first password 1');
      await eventually(2000, async () => {
        expect((await registrationOf(stack(), email)).profiles.map((p) => p.status)).to.deep.equal(['pending']);
      });
      expect(sendSignal(stack().processes.user, 'SIGKILL')).to.equal(true);
      await stack().processes.user.exited;
      const res = await pending;
      expect(res.status, 'the interrupted registration did not succeed').to.be.at.least(500);
      // The auth service finishes its half regardless: credentials for a profile that never completed.
      await eventually(REGISTER_DELAY_MS + 3000, async () => {
        expect((await registrationOf(stack(), email)).credentials).to.have.length(1);
      });
      await stack().startService('user');
      await untilGatewayReachesUser();
    }

    /** The gateway's channel reconnects to the restarted user service with a backoff: wait for it. */
    async function untilGatewayReachesUser(): Promise<void> {
      await eventually(15_000, async () => {
        expect((await get(`${stack().gatewayUrl}/ready`)).status).to.equal(200);
        // Through the user service (which asks the auth service about the token): 401, not 503.
        const probe = await get(`${stack().gatewayUrl}/api/v1/users/${crypto.randomUUID()}`, { token: 'not-a-token' });
        expect(probe.status, 'a request the user service answers, not 503').to.equal(401);
      });
    }

    it('leaves a pending profile that the next registration of the email resolves once it cannot be running', async () => {
      const email = uniqueEmail('halfway');
      await killMidRegistration(email);
      const crashed = await registrationOf(stack(), email);
      expect(crashed.profiles.map((p) => p.status)).to.deep.equal(['pending']);
      expect(crashed.credentials.map((c) => c.user_id)).to.deep.equal(crashed.profiles.map((p) => p.id));

      // Not yet: a registration that young could still be in progress somewhere.
      const ageMs = Date.now() - new Date(crashed.profiles[0]!.created_at as string | Date).getTime();
      expect((await register(email)).status, `profile ${ageMs} ms old, stale after ${STALE_AFTER_MS} ms`).to.equal(409);

      let again: HttpResult | undefined;
      await eventually(STALE_AFTER_MS + 10_000, async () => {
        again = await register(email, 'second password 2');
        expect(again.status, JSON.stringify(again.body)).to.equal(201);
      });
      const after = await registrationOf(stack(), email);
      expect(after.profiles.map(({ id, status }) => ({ id, status }))).to.deep.equal([{ id: again!.body.user.id, status: 'active' }]);
      expect(after.credentials).to.deep.equal([{ user_id: again!.body.user.id }]);
      expect((await post(`${stack().gatewayUrl}/api/v1/auth/login`, { email, password: 'second password 2' })).status).to.equal(200);
      expect((await post(`${stack().gatewayUrl}/api/v1/auth/login`, { email, password: 'first password 1' })).status).to.equal(401);
    });

    it('is swept (profile and credentials) when nobody registers the email again', async () => {
      const email = uniqueEmail('swept');
      await killMidRegistration(email);
      // The sweep runs at start and every REGISTRATION_STALE_AFTER_MS.
      await eventually(2 * STALE_AFTER_MS + 5000, async () => {
        expect(await registrationOf(stack(), email)).to.deep.equal({ profiles: [], credentials: [] });
      });
    });
  }),
);

forEachDatabase((database) =>
  describe(`SIGTERM of the user service during 50 concurrent registrations [${database}]`, function () {
    this.timeout(120_000);
    const stack = useStack({ database });

    it('drains: every 201 has its profile and credentials, no row lacks its twin, and the finished traces reach Jaeger', async () => {
      const emails = Array.from({ length: 50 }, () => uniqueEmail('drain'));
      const results = emails.map((email) => post(`${stack().gatewayUrl}/api/v1/auth/register`, { email, password: GOOD_PASSWORD, name: 'Drain' }));
      // Signal once the user service has begun one of them (it writes the profile before it asks
      // the auth service): after a fixed 150 ms a loaded machine had not begun any, and all 50 got 503.
      await eventually(10_000, async () => {
        expect(await rows(stack(), 'user', "SELECT id FROM users WHERE email LIKE 'drain-%'", [])).to.not.deep.equal([]);
      }, 10);
      expect(sendSignal(stack().processes.user, 'SIGTERM')).to.equal(true);
      const answers = await Promise.all(results);
      const exit = await stack().processes.user.exited;
      expect(exit.code, 'graceful exit').to.equal(0);

      const created = answers.filter((r) => r.status === 201);
      expect(created.length, 'some registrations were in flight and finished').to.be.greaterThan(0);
      // A refusal is clean too: 429 when the hashing queue cannot finish a check in time, 503 once draining.
      for (const r of answers) expect([201, 429, 503], `status ${r.status} ${JSON.stringify(r.body)}`).to.include(r.status);

      const profiles = await rows(stack(), 'user', "SELECT id, email, status FROM users WHERE email LIKE 'drain-%'", []);
      const credentials = await rows(stack(), 'auth', "SELECT user_id, email FROM credentials WHERE email LIKE 'drain-%'", []);
      expect(profiles.filter((p) => p.status !== 'active'), 'unfinished profiles').to.deep.equal([]);
      const pairs = (list: Record<string, unknown>[], id: string) => list.map((r) => `${String(r[id])} ${String(r.email)}`).sort();
      expect(pairs(profiles, 'id'), 'every profile has its credentials and the other way round').to.deep.equal(pairs(credentials, 'user_id'));
      expect(profiles.map((p) => p.id).sort()).to.deep.equal(created.map((r) => r.body.user.id).sort());

      // The user service flushed the spans of what it finished before it exited.
      const jaeger = await sharedJaeger();
      for (const r of created.slice(0, 10)) {
        const spans = await jaeger.getTrace(traceIdOf(r.headers), (all) => all.some((s) => s.service === 'user-service' && s.name === 'CreateUser'));
        expect(spans.filter((s) => s.service === 'user-service').map((s) => s.name), 'user-service spans').to.include('CreateUser');
      }
      await stack().startService('user');
    });
  }),
);
