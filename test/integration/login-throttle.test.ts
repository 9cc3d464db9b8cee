import { expect } from 'chai';
import { registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { forEachDatabase } from '../support/databases';
import { post, type HttpResult } from '../support/http';
import { useStack } from '../support/stack';

const PER_ACCOUNT = 3;
const PER_CLIENT = 8;

const login = (gatewayUrl: string, email: string, password: string, headers: Record<string, string> = {}) =>
  post(`${gatewayUrl}/api/v1/auth/login`, { email, password }, { headers });

/** Asserts a throttled answer: 429, Retry-After in whole seconds, the one fixed message. */
function expectThrottled(res: HttpResult, what: string): number {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(429);
  expect(res.body).to.deep.equal({ error: { code: 'TOO_MANY_REQUESTS', message: 'too many failed logins; retry later' } });
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter, `${what}: Retry-After`).to.match(/^[1-9]\d*$/);
  return Number(retryAfter);
}

forEachDatabase((database) =>
  describe(`login throttling (real processes) [${database}]`, function () {
    this.timeout(90_000);
    const stack = useStack({
      database,
      envFor: {
        auth: {
          LOGIN_MAX_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT),
          LOGIN_MAX_FAILURES_PER_CLIENT: String(PER_CLIENT),
          LOGIN_MAX_LOCKOUT_SECONDS: '30',
        },
        // The test sends X-Forwarded-For to stand for different clients behind a trusted proxy.
        gateway: { TRUST_PROXY: 'loopback' },
      },
    });
    /**
     * Guesses wrong as fast as the throttle allows (waiting out each delay) until the account's
     * delay is at least `seconds`: a 1 s delay can run out before the next assertion on a slow machine.
     */
    async function delayAtLeast(email: string | (() => string), from: Record<string, string>, seconds: number): Promise<void> {
      let delay = 0;
      while (delay < seconds) {
        const res = await login(stack().gatewayUrl, typeof email === 'string' ? email : email(), 'wrong password!', from);
        if (res.status === 429) {
          delay = Number(res.headers.get('retry-after'));
          if (delay < seconds) await new Promise((r) => setTimeout(r, delay * 1000 + 100));
        } else expect(res.status).to.equal(401);
      }
    }
    let client = 0;
    /** A fresh client address (TEST-NET-3), so each test starts with an unused client counter. */
    const newClient = () => ({ 'x-forwarded-for': `203.0.113.${++client}` });

    it('delays an account after its limit of wrong passwords, even for the right one, and says when to retry', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      const from = newClient();
      for (let i = 0; i < PER_ACCOUNT; i++) {
        const res = await login(stack().gatewayUrl, account.email, 'wrong password!', from);
        expect(res.status, `failure ${i + 1}`).to.equal(401);
      }
      await delayAtLeast(account.email, from, 4);
      const retryAfter = expectThrottled(await login(stack().gatewayUrl, account.email, account.password, from), 'right password while delayed');
      expect(retryAfter).to.be.within(2, 30);
      // Another client is delayed too: the limit is the account's, wherever the guesses come from.
      expectThrottled(await login(stack().gatewayUrl, account.email, account.password, newClient()), 'from another client');
    });

    it('gives an unknown email the same answers as a registered one (no enumeration through the limiter)', async () => {
      const known: Account = await registerAccount(stack().gatewayUrl);
      const unknown = uniqueEmail('nobody');
      const answers: Record<string, unknown[]> = {};
      for (const email of [known.email, unknown]) {
        const from = newClient();
        answers[email] = [];
        for (let i = 0; i < PER_ACCOUNT; i++) {
          const res = await login(stack().gatewayUrl, email, 'wrong password!', from);
          answers[email]!.push([res.status, res.body]);
        }
        await delayAtLeast(email, from, 2);
        const delayed = await login(stack().gatewayUrl, email, 'wrong password!', from);
        answers[email]!.push([delayed.status, delayed.body]);
      }
      expect(answers[unknown]).to.deep.equal(answers[known.email]);
      expect((answers[unknown]!.at(-1) as unknown[])[0]).to.equal(429);
    });

    it('lets the owner back in once the delay has passed, and a success clears the account', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      const from = newClient();
      for (let i = 0; i < PER_ACCOUNT; i++) await login(stack().gatewayUrl, account.email, 'wrong password!', from);
      // A 2 s delay, so the right password below still meets it on a slow machine.
      await delayAtLeast(account.email, from, 2);
      const retryAfter = expectThrottled(await login(stack().gatewayUrl, account.email, account.password, from), 'delayed');
      await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
      expect((await login(stack().gatewayUrl, account.email, account.password, from)).status).to.equal(200);
      // Cleared: the full allowance of failures again before any delay.
      for (let i = 0; i < PER_ACCOUNT - 1; i++) {
        expect((await login(stack().gatewayUrl, account.email, 'wrong password!', from)).status).to.equal(401);
      }
      expect((await login(stack().gatewayUrl, account.email, account.password, from)).status).to.equal(200);
    });

    it('delays a client that tries many accounts (credential stuffing), not other clients', async () => {
      const victim = await registerAccount(stack().gatewayUrl);
      const stuffer = newClient();
      for (let i = 0; i < PER_CLIENT; i++) {
        expect((await login(stack().gatewayUrl, uniqueEmail('stuffed'), 'wrong password!', stuffer)).status).to.equal(401);
      }
      // Past the client's limit a new account each time is refused too; keep going until the
      // client's delay outlasts the assertions below.
      await delayAtLeast(() => uniqueEmail('stuffed'), stuffer, 2);
      expectThrottled(await login(stack().gatewayUrl, victim.email, victim.password, stuffer), 'the stuffing client');
      expect((await login(stack().gatewayUrl, victim.email, victim.password, newClient())).status).to.equal(200);
    });

    it('keeps the delay across a restart of the auth service (the counters are in its database)', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      const from = newClient();
      // Until the delay is 8 s (1 + 2 + 4 s of waiting): longer than a restart.
      await delayAtLeast(account.email, from, 8);
      await stack().stopService('auth');
      await stack().startService('auth');
      const deadline = Date.now() + 10_000;
      let res = await login(stack().gatewayUrl, account.email, account.password, from);
      while (res.status === 503 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        res = await login(stack().gatewayUrl, account.email, account.password, from);
      }
      expectThrottled(res, 'after the restart');
    });
  }),
);

describe('login throttling: X-Forwarded-For without a trusted proxy (real processes)', function () {
  this.timeout(60_000);
  const stack = useStack({ envFor: { auth: { LOGIN_MAX_FAILURES_PER_CLIENT: String(PER_CLIENT) } } });

  it('ignores the header, so a client cannot pick a fresh address for every guess', async () => {
    for (let i = 0; i < PER_CLIENT; i++) {
      const res = await login(stack().gatewayUrl, uniqueEmail('spoof'), 'wrong password!', { 'x-forwarded-for': `198.51.100.${i + 1}` });
      expect(res.status).to.equal(401);
    }
    // Each guess comes from a new forwarded address. If the header were trusted, every address
    // would have one failure and none would be delayed. On a slow machine the first delay (1 s)
    // can run out between two guesses, so a few more guesses are allowed before the 429 must show.
    let res = await login(stack().gatewayUrl, uniqueEmail('spoof'), 'wrong password!', { 'x-forwarded-for': '198.51.100.200' });
    for (let extra = 1; res.status === 401 && extra <= 4; extra++) {
      res = await login(stack().gatewayUrl, uniqueEmail('spoof'), 'wrong password!', { 'x-forwarded-for': `198.51.100.${200 + extra}` });
    }
    expectThrottled(res, 'a new forwarded address from the same socket peer');
  });
});
