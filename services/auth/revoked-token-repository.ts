import type { Kysely } from 'kysely';
import type { AuthDatabase } from './db/schema';

/** Reads and writes `revoked_access_tokens`, the deny-list of logged-out access tokens. */
export class RevokedTokenRepository {
  constructor(private readonly db: Kysely<AuthDatabase>) {}

  /** Revokes an access token until `expiresAt` (unix s); revoking twice is a no-op. */
  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('revoked_access_tokens')
      .values({ jti, expires_at: expiresAt })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
  }

  /** Drops entries whose token has expired anyway, keeping the deny-list small. */
  async pruneExpired(now: number): Promise<void> {
    await this.db.deleteFrom('revoked_access_tokens').where('expires_at', '<=', now).execute();
  }
}
