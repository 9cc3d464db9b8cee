import { expect } from 'chai';
import { forEachDatabase } from '../support/databases';
import { sleep, useStack, type Stack } from '../support/stack';
import { get, post, type HttpResult } from '../support/http';
import { GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { expectError } from '../support/expect-error';
import type { ProcessName } from '../../scripts/stack/process-spec';

// Short, so the deadline cases do not take long; every process gets it.
const DEADLINE_MS = 2_000;

/** Repeats `attempt` until it answers `status`, for up to `withinMs`; returns the last answer. */
async function until(status: number, withinMs: number, attempt: () => Promise<HttpResult>): Promise<HttpResult> {
  const giveUp = Date.now() + withinMs;
  let last = await attempt();
  while (last.status !== status && Date.now() < giveUp) {
    await sleep(250);
    last = await attempt();
  }
  return last;
}

/** The pids of the processes, to prove which ones were not restarted. */
function pids(stack: Stack, names: ProcessName[]): Array<number | undefined> {
  return names.map((n) => stack.processes[n].pid);
}

forEachDatabase((database) =>
  describe(`resilience: a service going away and coming back (real processes) [${database}]`, function () {
    this.timeout(90_000);
    const stack = useStack({ database, env: { GRPC_DEADLINE_MS: String(DEADLINE_MS) } });
    const url = (p: string) => `${stack().gatewayUrl}${p}`;
    let alice: Account;
    let bob: Account;

    before(async () => {
      alice = await registerAccount(stack().gatewayUrl, { name: 'Alice' });
      bob = await registerAccount(stack().gatewayUrl, { name: 'Bob' });
    });

    // If a test fails half-way, put the stack back for the next one.
    afterEach(async function () {
      this.timeout(60_000);
      for (const name of ['auth', 'user'] as const) {
        const proc = stack().processes[name];
        if (proc.running) stack().resume(name);
        else await stack().startService(name);
      }
    });

    describe('auth service stopped', () => {
      it('stops gracefully with exit code 0 on SIGTERM', async () => {
        expect(await stack().stopService('auth')).to.equal(0);
        expect(stack().processes.auth.running).to.equal(false);
        await stack().startService('auth');
      });

      it('answers 503 within the deadline, /ready 503, and recovers without restarting gateway or user', async () => {
        const before = pids(stack(), ['gateway', 'user']);
        await stack().stopService('auth');

        const res = await get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken });
        expectError(res, 503, 'SERVICE_UNAVAILABLE');
        expect(res.elapsedMs).to.be.lessThan(DEADLINE_MS + 1_000);
        const ready = await get(url('/ready'));
        expect(ready.status).to.equal(503);
        expect(ready.elapsedMs).to.be.lessThan(DEADLINE_MS + 1_000);
        // Liveness is about the gateway itself, not its dependencies.
        expect((await get(url('/health'))).status).to.equal(200);

        await stack().startService('auth');
        const recovered = await until(200, 15_000, () => get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken }));
        expect(recovered.status, JSON.stringify(recovered.body)).to.equal(200);
        expect(recovered.body.user.id).to.equal(alice.id);
        expect((await until(200, 10_000, () => get(url('/ready')))).status).to.equal(200);
        expect(pids(stack(), ['gateway', 'user'])).to.deep.equal(before);
        expect(stack().processes.gateway.running && stack().processes.user.running).to.equal(true);
      });

      it('fails a registration cleanly: no user row is left, so the email registers once auth is back', async () => {
        await stack().stopService('auth');
        const email = uniqueEmail('while-down');
        const res = await post(url('/api/v1/auth/register'), { email, password: GOOD_PASSWORD, name: 'Early Bird' });
        expectError(res, 503, 'SERVICE_UNAVAILABLE');
        expect(res.elapsedMs).to.be.lessThan(DEADLINE_MS + 1_000);

        await stack().startService('auth');
        const again = await until(201, 15_000, () => post(url('/api/v1/auth/register'), { email, password: GOOD_PASSWORD, name: 'Early Bird' }));
        expect(again.status, JSON.stringify(again.body)).to.equal(201);
        expect(again.body.user.email).to.equal(email);
        // Exactly one profile holds that email.
        const list = await get(url('/api/v1/users?limit=100'), { token: again.body.accessToken });
        expect(list.body.users.filter((u: { email: string }) => u.email === email)).to.have.length(1);
      });

      it('keeps data across the restart: the same login works against the same database file', async () => {
        await stack().stopService('auth');
        await stack().startService('auth');
        const login = await until(200, 15_000, () => post(url('/api/v1/auth/login'), { email: bob.email, password: bob.password }));
        expect(login.status, JSON.stringify(login.body)).to.equal(200);
        // Access tokens issued before the restart stay valid (same secret, same revocation list).
        // /me also goes through the user service, whose own channel to auth reconnects on its own
        // backoff after several restarts in a row: wait for it rather than assume it is back.
        const me = await until(200, 15_000, () => get(url('/api/v1/auth/me'), { token: bob.accessToken }));
        expect(me.status, JSON.stringify(me.body)).to.equal(200);
      });
    });

    describe('auth service frozen (SIGSTOP)', () => {
      it('answers 504 once the deadline passes, then recovers after SIGCONT', async () => {
        // From a chain that answers (the tests before restarted auth: every caller is reconnected).
        expect((await until(200, 15_000, () => get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken }))).status).to.equal(200);
        stack().pause('auth');
        let res: HttpResult;
        try {
          res = await get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken });
        } finally {
          stack().resume('auth');
        }
        expectError(res, 504, 'GATEWAY_TIMEOUT');
        expect(res.elapsedMs).to.be.at.least(DEADLINE_MS - 100);
        expect(res.elapsedMs).to.be.lessThan(DEADLINE_MS + 1_000);
        const recovered = await until(200, 10_000, () => get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken }));
        expect(recovered.status).to.equal(200);
      });
    });

    describe('user service stopped', () => {
      it('answers 503 for user routes and /ready, then recovers without restarting the gateway', async () => {
        const gatewayPid = stack().processes.gateway.pid;
        expect(await stack().stopService('user')).to.equal(0);
        const res = await get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken });
        expectError(res, 503, 'SERVICE_UNAVAILABLE');
        expect(res.elapsedMs).to.be.lessThan(DEADLINE_MS + 1_000);
        expect((await get(url('/ready'))).status).to.equal(503);

        await stack().startService('user');
        const recovered = await until(200, 15_000, () => get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken }));
        expect(recovered.status, JSON.stringify(recovered.body)).to.equal(200);
        expect(stack().processes.gateway.pid).to.equal(gatewayPid);
      });
    });
  }),
);
