import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import type { Kysely } from 'kysely';
import { AppError } from '../../../../shared/errors/app-error';
import { openSqlite } from '../../../../shared/db/sqlite';
import { unary } from '../../../../shared/grpc/client';
import { bearerMetadata, retryAfterOf } from '../../../../shared/grpc/metadata';
import { userMigrations } from '../../../../services/user/db/migrations';
import type { UserDatabase } from '../../../../services/user/db/schema';
import { RegistrationThrottle, TOO_MANY_REGISTRATIONS } from '../../../../services/user/registration-throttle';
import { expectStatus, Harness } from '../../../support/user-harness';

const T0 = 1_800_000_000;

/** What admit() says at `now`: 'ok' or the retry-after seconds of the refusal. */
async function verdict(throttle: RegistrationThrottle, client: string | undefined, now: number): Promise<'ok' | number> {
  try {
    await throttle.admit(client, now);
    return 'ok';
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('RESOURCE_EXHAUSTED');
    expect((err as AppError).message).to.equal(TOO_MANY_REGISTRATIONS);
    return (err as AppError).retryAfterSeconds!;
  }
}

describe('user: registration throttle (per client address, in the user database)', () => {
  let db: Kysely<UserDatabase>;
  let throttle: RegistrationThrottle;
  beforeEach(async () => {
    db = await openSqlite<UserDatabase>({ file: ':memory:', migrations: userMigrations });
    throttle = new RegistrationThrottle(db, { maxPerClient: 3, windowSeconds: 600 });
  });
  afterEach(() => db.destroy());

  it('admits the limit per window, then refuses until the window ends, saying how long', async () => {
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await verdict(throttle, '10.0.0.1', T0 + i * 10));
    expect(verdicts).to.deep.equal(['ok', 'ok', 'ok', 600 - 30, 600 - 40]);
    // Refused attempts do not extend the window: it ends 600 s after its first attempt.
    expect(await verdict(throttle, '10.0.0.1', T0 + 599)).to.equal(1);
    expect(await verdict(throttle, '10.0.0.1', T0 + 600)).to.equal('ok');
    expect(await verdict(throttle, '10.0.0.1', T0 + 601)).to.equal('ok');
  });

  it('counts each client apart, and leaves calls without a client address (internal callers) alone', async () => {
    for (let i = 0; i < 3; i++) expect(await verdict(throttle, '10.0.0.1', T0)).to.equal('ok');
    expect(await verdict(throttle, '10.0.0.1', T0)).to.be.a('number');
    expect(await verdict(throttle, '10.0.0.2', T0)).to.equal('ok');
    for (let i = 0; i < 10; i++) expect(await verdict(throttle, undefined, T0)).to.equal('ok');
  });

  it('keeps no address in clear and drops counters whose window has passed', async () => {
    await throttle.admit('192.0.2.7', T0);
    await throttle.admit('192.0.2.8', T0 + 500);
    const rows = await db.selectFrom('registration_attempts').selectAll().execute();
    expect(rows.map((r) => r.key_hash)).to.satisfy((keys: string[]) => keys.every((k) => /^[0-9a-f]{64}$/.test(k)));
    await throttle.admit('192.0.2.9', T0 + 650);
    const left = await db.selectFrom('registration_attempts').select('window_start').execute();
    expect(left.map((r) => Number(r.window_start)).sort()).to.deep.equal([T0 + 500, T0 + 650]);
  });
});

describe('user service: CreateUser past the registration limit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ REGISTRATION_MAX_PER_CLIENT: '2', REGISTRATION_WINDOW_SECONDS: '120' });
  });
  afterEach(() => h.stop());

  const createFrom = (clientAddress: string | undefined, email: string) =>
    unary(h.client, h.client.createUser, { email, password: 'correct horse battery', name: 'Probe' }, {
      metadata: bearerMetadata(undefined, clientAddress),
      deadline: Date.now() + 5000,
    });

  it('answers RESOURCE_EXHAUSTED with retry-after before the auth service is asked to hash, and writes nothing', async () => {
    await createFrom('203.0.113.5', 'first@example.com');
    // A registered email counts too: the 409 is what enumeration reads.
    await expectStatus(createFrom('203.0.113.5', 'first@example.com'), status.ALREADY_EXISTS);
    const registersBefore = h.fake.callsOf('register').length;

    const err = await expectStatus(createFrom('203.0.113.5', 'refused@example.com'), status.RESOURCE_EXHAUSTED, TOO_MANY_REGISTRATIONS);
    expect(retryAfterOf(err.metadata)).to.be.within(1, 120);
    // Register is where the auth service hashes the password: it was never called.
    expect(h.fake.callsOf('register')).to.have.length(registersBefore);

    // No row was left behind: the same email registers at once from another client (no 409).
    const other = await createFrom('203.0.113.6', 'refused@example.com');
    expect(other.user?.email).to.equal('refused@example.com');
    // And a call without a client address (not through the gateway) is not counted.
    expect((await createFrom(undefined, 'internal@example.com')).user?.email).to.equal('internal@example.com');
  });
});
