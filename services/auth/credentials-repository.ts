import { sql, type Kysely } from 'kysely';
import { AppError } from '../../shared/errors/app-error';
import { isPrimaryKeyViolation, isUniqueViolation } from '../../shared/db/db-errors';
import type { AuthDatabase } from './db/schema';

/** Credentials to store for a new user. */
export interface NewCredentials {
  userId: string;
  /** Already lower-cased by the validation schema. */
  email: string;
  passwordHash: string;
}

/** A user's stored login. */
export interface StoredCredentials {
  userId: string;
  email: string;
  passwordHash: string;
}

/** Reads and writes the `credentials` table. Pass a transaction to take part in it. */
export class CredentialsRepository {
  constructor(private readonly db: Kysely<AuthDatabase>) {}

  /** Stores new credentials; ALREADY_EXISTS when the email or the user id is taken. */
  async insert(creds: NewCredentials, now: number): Promise<void> {
    try {
      await this.db
        .insertInto('credentials')
        .values({
          user_id: creds.userId,
          email: creds.email,
          password_hash: creds.passwordHash,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('ALREADY_EXISTS', 'email: already registered');
      if (isPrimaryKeyViolation(err)) throw new AppError('ALREADY_EXISTS', 'userId: already registered');
      throw err;
    }
  }

  /** The credentials registered with `email` (lower-cased), if any. */
  async findByEmail(email: string): Promise<StoredCredentials | undefined> {
    const row = await this.db
      .selectFrom('credentials')
      .select(['user_id', 'email', 'password_hash'])
      .where('email', '=', email)
      .executeTakeFirst();
    return row && { userId: row.user_id, email: row.email, passwordHash: row.password_hash };
  }

  /**
   * The user behind an access token, in one query: undefined when their credentials are gone
   * (deleted user) or the token's `jti` has been revoked (logged out).
   */
  async findActiveSession(userId: string, jti: string): Promise<{ userId: string; email: string } | undefined> {
    const row = await this.db
      .selectFrom('credentials')
      .select(['user_id', 'email'])
      .where('user_id', '=', userId)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('revoked_access_tokens').select(sql<number>`1`.as('one')).where('jti', '=', jti))),
      )
      .executeTakeFirst();
    return row && { userId: row.user_id, email: row.email };
  }

  /** Changes a user's login email; NOT_FOUND for an unknown user, ALREADY_EXISTS if taken. */
  async updateEmail(userId: string, email: string, now: number): Promise<void> {
    let result;
    try {
      result = await this.db
        .updateTable('credentials')
        .set({ email, updated_at: now })
        .where('user_id', '=', userId)
        .executeTakeFirst();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('ALREADY_EXISTS', 'email: already registered');
      throw err;
    }
    if (result.numUpdatedRows === 0n) throw new AppError('NOT_FOUND', 'userId: no credentials for this user');
  }

  /**
   * Replaces a user's password hash, but only if it still is `currentHash`; returns whether it did.
   * The condition keeps a late rehash from overwriting a hash that changed meanwhile.
   */
  async replacePasswordHash(userId: string, currentHash: string, newHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('credentials')
      .set({ password_hash: newHash, updated_at: now })
      .where('user_id', '=', userId)
      .where('password_hash', '=', currentHash)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Deletes a user's credentials (their refresh tokens cascade); a no-op for an unknown user. */
  async delete(userId: string): Promise<void> {
    await this.db.deleteFrom('credentials').where('user_id', '=', userId).execute();
  }
}
