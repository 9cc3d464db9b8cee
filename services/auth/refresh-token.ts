import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../shared/errors/app-error';
import type { Logger } from '../../shared/logging/logger';
import type { AuthDatabase } from './db/schema';
import { unixSeconds } from './access-token';
import { RefreshTokenRepository } from './refresh-token-repository';

/** The one message every rejected refresh token gets, whatever the reason. */
export const INVALID_REFRESH_TOKEN = 'invalid or expired refresh token';

/** A new opaque refresh token: 32 random bytes (256 bits), base64url. */
export function newRefreshToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** What is stored for a token: its sha256, hex. A leaked table holds no usable token. */
export function hashRefreshToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The outcome of a successful rotation. */
export interface RotatedRefreshToken {
  userId: string;
  /** The owner's current email, for the new access token. */
  email: string;
  /** The successor token, to hand to the client. */
  refreshToken: string;
}

type RotationOutcome =
  | { kind: 'rotated'; result: RotatedRefreshToken }
  | { kind: 'reused'; userId: string; familyId: string }
  | { kind: 'rejected' };

/**
 * Refresh tokens in families: a login starts a family with an absolute expiry, each rotation
 * replaces the presented token with a successor in the same family, and presenting a token that
 * was already used revokes the family (the token was stolen, or the client is broken).
 */
export class RefreshTokens {
  constructor(
    private readonly db: Kysely<AuthDatabase>,
    /** Absolute lifetime of a family. */
    private readonly ttlSeconds: number,
    private readonly logger?: Logger,
  ) {}

  /**
   * Starts a family for `userId` and returns its first token. Pass a transaction as `db` to
   * start it together with other writes (Register).
   */
  async startFamily(userId: string, nowMs: number = Date.now(), db: Kysely<AuthDatabase> = this.db): Promise<string> {
    const now = unixSeconds(nowMs);
    const token = newRefreshToken();
    await new RefreshTokenRepository(db).insert({
      id: crypto.randomUUID(),
      familyId: crypto.randomUUID(),
      userId,
      tokenHash: hashRefreshToken(token),
      expiresAt: now + this.ttlSeconds,
      createdAt: now,
    });
    return token;
  }

  /**
   * Exchanges `token` for its successor. Unknown, expired, used or revoked tokens are
   * UNAUTHENTICATED; a used or revoked one also revokes its whole family.
   */
  async rotate(token: string, nowMs: number = Date.now()): Promise<RotatedRefreshToken> {
    const now = unixSeconds(nowMs);
    const tokenHash = hashRefreshToken(token);
    // One transaction (and SQLite's single writer) makes check-and-mark atomic: two concurrent
    // rotations of one token cannot both succeed. The outcome is returned rather than thrown so
    // that a family revocation commits before the caller is refused.
    const outcome = await this.db.transaction().execute(async (trx): Promise<RotationOutcome> => {
      const repo = new RefreshTokenRepository(trx);
      const row = await repo.findByHash(tokenHash);
      if (!row) return { kind: 'rejected' };
      if (row.usedAt !== null || row.revokedAt !== null) {
        await repo.revokeFamily(row.familyId, now);
        return { kind: 'reused', userId: row.userId, familyId: row.familyId };
      }
      if (row.expiresAt <= now) return { kind: 'rejected' };
      if (!(await repo.markUsed(row.id, now))) {
        await repo.revokeFamily(row.familyId, now);
        return { kind: 'reused', userId: row.userId, familyId: row.familyId };
      }
      const successor = newRefreshToken();
      await repo.insert({
        id: crypto.randomUUID(),
        familyId: row.familyId,
        userId: row.userId,
        tokenHash: hashRefreshToken(successor),
        // The family's absolute expiry: rotation never extends a session.
        expiresAt: row.expiresAt,
        createdAt: now,
      });
      return { kind: 'rotated', result: { userId: row.userId, email: row.email, refreshToken: successor } };
    });
    if (outcome.kind === 'rotated') return outcome.result;
    if (outcome.kind === 'reused') {
      this.logger?.warn({ userId: outcome.userId, familyId: outcome.familyId }, 'refresh token reuse: family revoked');
    }
    throw new AppError('UNAUTHENTICATED', INVALID_REFRESH_TOKEN);
  }

  /**
   * Revokes the family of `token` if it belongs to `userId`; returns whether it did. A token that
   * is unknown or someone else's is ignored, so a stale token never makes Logout fail.
   */
  async revokeFamilyOf(token: string, userId: string, nowMs: number = Date.now(), db: Kysely<AuthDatabase> = this.db): Promise<boolean> {
    const repo = new RefreshTokenRepository(db);
    const row = await repo.findByHash(hashRefreshToken(token));
    if (!row || row.userId !== userId) return false;
    await repo.revokeFamily(row.familyId, unixSeconds(nowMs));
    return true;
  }

  /** Deletes rows of expired families. */
  async pruneExpired(nowMs: number = Date.now(), db: Kysely<AuthDatabase> = this.db): Promise<void> {
    await new RefreshTokenRepository(db).pruneExpired(unixSeconds(nowMs));
  }
}
