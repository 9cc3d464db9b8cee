import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Kysely } from 'kysely';
import { AppError } from '../../../../shared/errors/app-error';
import { CredentialsRepository } from '../../../../services/auth/credentials-repository';
import type { AuthDatabase } from '../../../../services/auth/db/schema';
import {
  hashRefreshToken,
  INVALID_REFRESH_TOKEN,
  newRefreshToken,
  RefreshTokens,
} from '../../../../services/auth/refresh-token';
import { addUser, openTestDb } from '../../../support/auth-db';

const TTL = 3600;

async function expectUnauthenticated(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => expect.fail('refresh token was accepted'),
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(AppError);
  expect((err as AppError).code).to.equal('UNAUTHENTICATED');
  expect((err as AppError).message).to.equal(INVALID_REFRESH_TOKEN);
}

describe('auth refresh tokens (rotation with reuse detection)', () => {
  let db: Kysely<AuthDatabase>;
  let tokens: RefreshTokens;
  let userId: string;

  const rowOf = (token: string) =>
    db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hashRefreshToken(token)).executeTakeFirstOrThrow();

  beforeEach(async () => {
    db = await openTestDb();
    tokens = new RefreshTokens(db, TTL);
    userId = await addUser(db);
  });

  afterEach(async () => {
    await db.destroy();
  });

  it('makes opaque tokens of 256 random bits, base64url', () => {
    const token = newRefreshToken();
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).to.have.length(32);
    expect(newRefreshToken()).to.not.equal(token);
  });

  it('stores only the sha256 of a token', async () => {
    const token = await tokens.startFamily(userId);
    const rows = await db.selectFrom('refresh_tokens').selectAll().execute();
    expect(rows).to.have.length(1);
    expect(rows[0]!.token_hash).to.equal(crypto.createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).to.not.include(token);
    expect(rows[0]!.expires_at - rows[0]!.created_at).to.equal(TTL);
  });

  it('rotates a token into a successor of the same family with the same absolute expiry', async () => {
    const start = Date.now();
    const first = await tokens.startFamily(userId, start);
    const rotated = await tokens.rotate(first, start + 600_000);
    expect(rotated.userId).to.equal(userId);
    expect(rotated.email).to.match(/@example\.com$/);
    expect(rotated.refreshToken).to.not.equal(first);

    const [old, next] = [await rowOf(first), await rowOf(rotated.refreshToken)];
    expect(next.family_id).to.equal(old.family_id);
    expect(next.expires_at).to.equal(old.expires_at);
    expect(old.used_at).to.be.a('number');
    expect(next.used_at).to.equal(null);

    // The successor rotates in turn.
    const again = await tokens.rotate(rotated.refreshToken, start + 1_200_000);
    expect((await rowOf(again.refreshToken)).expires_at).to.equal(old.expires_at);
  });

  it('rejects a reused token AND revokes the newest token of its family', async () => {
    const first = await tokens.startFamily(userId);
    const second = (await tokens.rotate(first)).refreshToken;
    const third = (await tokens.rotate(second)).refreshToken;

    await expectUnauthenticated(tokens.rotate(first));
    // The legitimate holder's current token is dead too: the thief and the victim both log in again.
    await expectUnauthenticated(tokens.rotate(third));
    const family = await db.selectFrom('refresh_tokens').select(['revoked_at']).execute();
    expect(family).to.have.length(3);
    for (const row of family) expect(row.revoked_at).to.be.a('number');
  });

  it('leaves other families of the same user alone when one is revoked', async () => {
    const stolen = await tokens.startFamily(userId);
    const otherDevice = await tokens.startFamily(userId);
    await tokens.rotate(stolen);
    await expectUnauthenticated(tokens.rotate(stolen));
    const rotated = await tokens.rotate(otherDevice);
    expect(rotated.userId).to.equal(userId);
  });

  it('rejects a family past its absolute expiry, however recently it was rotated', async () => {
    const start = Date.now();
    const first = await tokens.startFamily(userId, start);
    const second = (await tokens.rotate(first, start + (TTL - 10) * 1000)).refreshToken;
    await expectUnauthenticated(tokens.rotate(second, start + (TTL + 1) * 1000));
  });

  it('rejects an unknown token', async () => {
    await tokens.startFamily(userId);
    await expectUnauthenticated(tokens.rotate(newRefreshToken()));
  });

  it('lets exactly one of two concurrent rotations of a token win', async () => {
    const first = await tokens.startFamily(userId);
    const results = await Promise.allSettled([tokens.rotate(first), tokens.rotate(first)]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    expect(results.filter((r) => r.status === 'rejected')).to.have.length(1);
  });

  it('revokes a family on logout only for its owner', async () => {
    const token = await tokens.startFamily(userId);
    const stranger = await addUser(db);
    expect(await tokens.revokeFamilyOf(token, stranger)).to.equal(false);
    expect(await tokens.revokeFamilyOf(newRefreshToken(), userId)).to.equal(false);
    expect((await rowOf(token)).revoked_at).to.equal(null);

    expect(await tokens.revokeFamilyOf(token, userId)).to.equal(true);
    await expectUnauthenticated(tokens.rotate(token));
  });

  it('loses every token of a user whose credentials are deleted', async () => {
    const token = await tokens.startFamily(userId);
    await new CredentialsRepository(db).delete(userId);
    expect(await db.selectFrom('refresh_tokens').selectAll().execute()).to.have.length(0);
    await expectUnauthenticated(tokens.rotate(token));
  });

  it('prunes rows of expired families only', async () => {
    const start = Date.now();
    await tokens.startFamily(userId, start - (TTL + 5) * 1000);
    const live = await tokens.startFamily(userId, start);
    await tokens.pruneExpired(start);
    const rows = await db.selectFrom('refresh_tokens').select(['token_hash']).execute();
    expect(rows.map((r) => r.token_hash)).to.deep.equal([hashRefreshToken(live)]);
  });
});
