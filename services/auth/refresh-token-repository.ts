import type { Kysely } from 'kysely';
import type { AuthDatabase } from './db/schema';

/** A refresh token row to insert. */
export interface NewRefreshToken {
  id: string;
  familyId: string;
  userId: string;
  tokenHash: string;
  expiresAt: number;
  createdAt: number;
}

/** A stored refresh token with the current email of its owner. */
export interface StoredRefreshToken {
  id: string;
  familyId: string;
  userId: string;
  email: string;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

/** Reads and writes the `refresh_tokens` table. Pass a transaction to take part in it. */
export class RefreshTokenRepository {
  constructor(private readonly db: Kysely<AuthDatabase>) {}

  /** Inserts one token. */
  async insert(token: NewRefreshToken): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({
        id: token.id,
        family_id: token.familyId,
        user_id: token.userId,
        token_hash: token.tokenHash,
        expires_at: token.expiresAt,
        used_at: null,
        revoked_at: null,
        created_at: token.createdAt,
      })
      .execute();
  }

  /** The token with this hash, joined with its owner's email; undefined if unknown. */
  async findByHash(tokenHash: string): Promise<StoredRefreshToken | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens as t')
      .innerJoin('credentials as c', 'c.user_id', 't.user_id')
      .select(['t.id', 't.family_id', 't.user_id', 'c.email', 't.expires_at', 't.used_at', 't.revoked_at'])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        familyId: row.family_id,
        userId: row.user_id,
        email: row.email,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        revokedAt: row.revoked_at,
      }
    );
  }

  /** Marks a token used; false if it was already used (lost a race with another rotation). */
  async markUsed(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Revokes every not-yet-revoked token of a family. */
  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Deletes tokens of families past their absolute expiry: they can never be accepted again. */
  async pruneExpired(now: number): Promise<void> {
    await this.db.deleteFrom('refresh_tokens').where('expires_at', '<=', now).execute();
  }
}
