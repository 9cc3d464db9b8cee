import { Metadata } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { SpanParent } from '../../../../shared/telemetry/spans';
import { expect } from 'chai';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { AppError } from '../../../../shared/errors/app-error';
import type { HandlerContext } from '../../../../shared/grpc/handler';
import { AccessTokens } from '../../../../services/auth/access-token';
import { createAuthHandlers, type AuthCaller } from '../../../../services/auth/auth-handlers';
import { CredentialsRepository } from '../../../../services/auth/credentials-repository';
import type { AuthDatabase } from '../../../../services/auth/db/schema';
import { LoginThrottle } from '../../../../services/auth/login-throttle';
import { HashingSlots } from '../../../../services/auth/hashing-slots';
import { needsRehash, verifyPassword } from '../../../../services/auth/password';
import { RefreshTokens } from '../../../../services/auth/refresh-token';
import { addUser, openTestDb } from '../../../support/auth-db';
import { CURRENT_PREFIX, LEGACY_SCRYPT_14, LEGACY_SCRYPT_17, OLD_ARGON2, PASSWORD } from '../../../support/password-vectors';

describe('auth Login upgrades outdated password hashes (real handlers, :memory: SQLite)', () => {
  let db: Kysely<AuthDatabase>;
  let logLines: string[];
  let handlers: ReturnType<typeof createAuthHandlers>;

  // Asserted rather than annotated so the fixture keeps compiling while HandlerContext grows
  // fields Login does not read (trace headers, ...).
  const ctx = () =>
    ({
      metadata: new Metadata(),
      deadline: Date.now() + 10_000,
      trace: new SpanParent(trace.getTracer('login-rehash-test').startSpan('Login'), undefined),
    }) as HandlerContext<AuthCaller>;
  const login = (email: string, password: string) => handlers.login({ email, password }, ctx());
  const storedHash = async (email: string) => (await new CredentialsRepository(db).findByEmail(email))!.passwordHash;

  beforeEach(async () => {
    db = await openTestDb();
    logLines = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    handlers = createAuthHandlers(
      {
        db,
        accessTokens: new AccessTokens({ secret: 'x'.repeat(32), issuer: 'test', audience: 'test', ttlSeconds: 900 }),
        refreshTokens: new RefreshTokens(db, 3600),
        hashing: new HashingSlots(2, 8),
        loginThrottle: new LoginThrottle(db, { maxFailuresPerAccount: 100, maxFailuresPerClient: 100, windowSeconds: 60, maxLockoutSeconds: 1 }),
      },
      logger,
    );
  });

  afterEach(() => db.destroy());

  it('logs in with a legacy scrypt hash and stores an argon2id hash of the same password', async () => {
    const userId = await addUser(db, 'ada@example.com', LEGACY_SCRYPT_14);
    const res = await login('ada@example.com', PASSWORD);
    expect(res.userId).to.equal(userId);
    expect(res.tokens?.accessToken.split('.')).to.have.length(3);

    const upgraded = await storedHash('ada@example.com');
    expect(upgraded.startsWith(CURRENT_PREFIX), upgraded).to.equal(true);
    expect(needsRehash(upgraded)).to.equal(false);
    expect(await verifyPassword(PASSWORD, upgraded)).to.equal(true);

    // The next login uses the new hash, and leaves it alone.
    expect((await login('ada@example.com', PASSWORD)).userId).to.equal(userId);
    expect(await storedHash('ada@example.com')).to.equal(upgraded);
    expect(logLines).to.deep.equal([]);
  });

  it('upgrades a hash written by the previous release (scrypt N=2^17)', async () => {
    await addUser(db, 'ada@example.com', LEGACY_SCRYPT_17);
    await login('ada@example.com', PASSWORD);
    expect((await storedHash('ada@example.com')).startsWith(CURRENT_PREFIX)).to.equal(true);
  });

  it('upgrades an argon2id hash with outdated parameters', async () => {
    await addUser(db, 'ada@example.com', OLD_ARGON2);
    await login('ada@example.com', PASSWORD);
    const upgraded = await storedHash('ada@example.com');
    expect(upgraded.startsWith(CURRENT_PREFIX), upgraded).to.equal(true);
    expect(await verifyPassword(PASSWORD, upgraded)).to.equal(true);
  });

  it('leaves the legacy hash untouched when the password is wrong', async () => {
    await addUser(db, 'ada@example.com', LEGACY_SCRYPT_14);
    const err = await login('ada@example.com', 'correct horse batterY').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError).with.property('code', 'UNAUTHENTICATED');
    expect(await storedHash('ada@example.com')).to.equal(LEGACY_SCRYPT_14);
  });

  it('still logs in when storing the new hash fails, and logs the failure without the password', async () => {
    const userId = await addUser(db, 'ada@example.com', LEGACY_SCRYPT_14);
    await sql`CREATE TRIGGER no_hash_updates BEFORE UPDATE OF password_hash ON credentials
              BEGIN SELECT RAISE(ABORT, 'password_hash is read-only in this test'); END`.execute(db);

    expect((await login('ada@example.com', PASSWORD)).userId).to.equal(userId);
    expect(await storedHash('ada@example.com')).to.equal(LEGACY_SCRYPT_14);

    expect(logLines).to.have.length(1);
    const line = JSON.parse(logLines[0]!) as { level: number; msg: string; userId: string; err: { message: string } };
    expect(line.level).to.equal(pino.levels.values.warn);
    expect(line.msg).to.match(/password hash upgrade failed/);
    expect(line.userId).to.equal(userId);
    expect(line.err.message).to.include('read-only in this test');
    expect(logLines[0]).to.not.include(PASSWORD);
  });

  it('does not overwrite a hash that changed after it was read', async () => {
    const userId = await addUser(db, 'ada@example.com', LEGACY_SCRYPT_14);
    const repo = new CredentialsRepository(db);
    expect(await repo.replacePasswordHash(userId, 'some other hash', OLD_ARGON2, 1)).to.equal(false);
    expect(await storedHash('ada@example.com')).to.equal(LEGACY_SCRYPT_14);
    expect(await repo.replacePasswordHash(userId, LEGACY_SCRYPT_14, OLD_ARGON2, 1)).to.equal(true);
    expect(await storedHash('ada@example.com')).to.equal(OLD_ARGON2);
  });
});
