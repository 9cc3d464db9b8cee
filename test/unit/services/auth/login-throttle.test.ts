import { Metadata } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { SpanParent } from '../../../../shared/telemetry/spans';
import { expect } from 'chai';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { AppError } from '../../../../shared/errors/app-error';
import { AccessTokens } from '../../../../services/auth/access-token';
import { createAuthHandlers } from '../../../../services/auth/auth-handlers';
import type { AuthDatabase } from '../../../../services/auth/db/schema';
import { HashingSlots } from '../../../../services/auth/hashing-slots';
import { RefreshTokens } from '../../../../services/auth/refresh-token';
import { LoginThrottle, TOO_MANY_FAILED_LOGINS, type LoginThrottleLimits } from '../../../../services/auth/login-throttle';
import { openTestDb } from '../../../support/auth-db';

const LIMITS: LoginThrottleLimits = { maxFailuresPerAccount: 3, maxFailuresPerClient: 10, windowSeconds: 600, maxLockoutSeconds: 60 };
const T0 = 1_800_000_000;

/** What check() says at `now`: 'ok' or the retry-after seconds of the refusal. */
async function verdict(throttle: LoginThrottle, email: string, client: string | undefined, now: number): Promise<'ok' | number> {
  try {
    await throttle.check(email, client, now);
    return 'ok';
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('RESOURCE_EXHAUSTED');
    expect((err as AppError).message).to.equal(TOO_MANY_FAILED_LOGINS);
    return (err as AppError).retryAfterSeconds!;
  }
}

describe('auth: login throttle (per account and per client, in the auth database)', () => {
  let db: Kysely<AuthDatabase>;
  let throttle: LoginThrottle;
  beforeEach(async () => {
    db = await openTestDb();
    throttle = new LoginThrottle(db, LIMITS);
  });
  afterEach(() => db.destroy());

  it('lets an account fail up to its limit, then delays it 1 s, 2 s, 4 s, ... capped at the maximum', async () => {
    const email = 'ada@example.test';
    const delays: Array<'ok' | number> = [];
    let now = T0;
    for (let i = 0; i < 2; i++) {
      expect(await verdict(throttle, email, '10.0.0.1', now)).to.equal('ok');
      await throttle.recordFailure(email, '10.0.0.1', now);
    }
    for (let i = 0; i < 9; i++) {
      const v = await verdict(throttle, email, '10.0.0.1', now);
      expect(v, `attempt ${i + 3}`).to.equal('ok');
      await throttle.recordFailure(email, '10.0.0.1', now);
      const after = await verdict(throttle, email, '10.0.0.1', now);
      delays.push(after);
      now += after === 'ok' ? 0 : after; // wait exactly as long as told
    }
    expect(delays).to.deep.equal([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('answers the same for an unknown email as for a registered one (the limiter keys on the text)', async () => {
    for (const email of ['registered@example.test', 'nobody@example.test']) {
      for (let i = 0; i < LIMITS.maxFailuresPerAccount; i++) await throttle.recordFailure(email, undefined, T0);
      expect(await verdict(throttle, email, undefined, T0)).to.equal(1);
    }
  });

  it('clears an account on success, so its owner starts again from the full allowance', async () => {
    const email = 'owner@example.test';
    for (let i = 0; i < LIMITS.maxFailuresPerAccount; i++) await throttle.recordFailure(email, undefined, T0);
    expect(await verdict(throttle, email, undefined, T0 + 1)).to.equal('ok');
    await throttle.recordSuccess(email);
    for (let i = 0; i < LIMITS.maxFailuresPerAccount - 1; i++) await throttle.recordFailure(email, undefined, T0 + 2);
    expect(await verdict(throttle, email, undefined, T0 + 2)).to.equal('ok');
  });

  it('delays a client address that tries many accounts (credential stuffing), but not other clients', async () => {
    for (let i = 0; i < LIMITS.maxFailuresPerClient; i++) await throttle.recordFailure(`victim${i}@example.test`, '203.0.113.7', T0);
    expect(await verdict(throttle, 'fresh@example.test', '203.0.113.7', T0)).to.equal(1);
    expect(await verdict(throttle, 'fresh@example.test', '198.51.100.2', T0)).to.equal('ok');
  });

  it('forgets failures once the window has passed, and prunes stale counters', async () => {
    const email = 'slow@example.test';
    for (let i = 0; i < LIMITS.maxFailuresPerAccount - 1; i++) await throttle.recordFailure(email, undefined, T0);
    await throttle.recordFailure(email, undefined, T0 + LIMITS.windowSeconds + 1);
    expect(await verdict(throttle, email, undefined, T0 + LIMITS.windowSeconds + 1)).to.equal('ok');
    await throttle.recordFailure('other@example.test', undefined, T0 + 3 * LIMITS.windowSeconds);
    const rows = await db.selectFrom('login_failures').select('key_hash').execute();
    expect(rows, 'only the latest counter is left').to.have.length(1);
  });

  it('never stores an email or an address, only their hashes', async () => {
    await throttle.recordFailure('secret.person@example.test', '192.0.2.55', T0);
    const rows = await db.selectFrom('login_failures').selectAll().execute();
    expect(rows).to.have.length(2);
    for (const row of rows) {
      expect(row.key_hash).to.match(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.to.match(/secret\.person|192\.0\.2\.55/);
    }
  });

  it('counts every one of many concurrent failures', async () => {
    await Promise.all(Array.from({ length: 20 }, () => throttle.recordFailure('burst@example.test', undefined, T0)));
    const [row] = await db.selectFrom('login_failures').select(['failures']).execute();
    expect(row!.failures).to.equal(20);
  });
});

describe('auth: Login refuses a delayed account before hashing', () => {
  it('computes no hash for a throttled login, and counts no failure for it', async () => {
    const db = await openTestDb();
    try {
      const hashing = new HashingSlots(2, 8);
      let hashes = 0;
      const run = hashing.run.bind(hashing);
      hashing.run = ((...args: Parameters<typeof run>) => {
        hashes++;
        return run(...args);
      }) as typeof hashing.run;
      const handlers = createAuthHandlers(
        {
          db,
          accessTokens: new AccessTokens({ secret: 'x'.repeat(32), issuer: 'test', audience: 'test', ttlSeconds: 900 }),
          refreshTokens: new RefreshTokens(db, 3600),
          hashing,
          loginThrottle: new LoginThrottle(db, { ...LIMITS, maxFailuresPerAccount: 2 }),
        },
        pino({ level: 'silent' }),
      );
      const ctx = () => ({ metadata: new Metadata(), deadline: Date.now() + 10_000, trace: new SpanParent(trace.getTracer('t').startSpan('Login'), undefined) });
      const attempt = () => handlers.login({ email: 'target@example.test', password: 'wrong password!' }, ctx()).then(() => 'ok', (e: AppError) => e.code);
      expect([await attempt(), await attempt()]).to.deep.equal(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
      expect(hashes).to.equal(2);
      expect(await attempt()).to.equal('RESOURCE_EXHAUSTED');
      expect(hashes, 'no hash for the refused attempt').to.equal(2);
      const [row] = await db.selectFrom('login_failures').select('failures').where('failures', '>', 0).execute();
      expect(row!.failures, 'the refused attempt is not a failure').to.equal(2);
    } finally {
      await db.destroy();
    }
  });
});
