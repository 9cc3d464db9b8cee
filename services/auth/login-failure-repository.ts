import { sql, type Kysely } from 'kysely';
import type { AuthDatabase } from './db/schema';

/** The counter of one key after a failure was added. */
export interface FailureCount {
  failures: number;
  windowStart: number;
}

/** Reads and writes `login_failures`, the login throttle's counters. */
export class LoginFailureRepository {
  constructor(private readonly db: Kysely<AuthDatabase>) {}

  /** The latest `blocked_until` (unix s) of these keys; 0 when none is blocked. */
  async blockedUntil(keyHashes: string[]): Promise<number> {
    const row = await this.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.max('blocked_until').as('until'))
      .where('key_hash', 'in', keyHashes)
      .executeTakeFirst();
    return Number(row?.until ?? 0);
  }

  /**
   * Adds one failure to a key's counter in one statement (an upsert, so concurrent failures are
   * all counted on PostgreSQL too); a counter whose window has passed starts again at 1.
   */
  async addFailure(keyHash: string, now: number, windowSeconds: number): Promise<FailureCount> {
    const expired = sql<boolean>`login_failures.window_start <= ${now - windowSeconds}`;
    const row = await this.db
      .insertInto('login_failures')
      .values({ key_hash: keyHash, failures: 1, window_start: now, blocked_until: 0 })
      .onConflict((oc) =>
        oc.column('key_hash').doUpdateSet({
          failures: sql`CASE WHEN ${expired} THEN 1 ELSE login_failures.failures + 1 END`,
          window_start: sql`CASE WHEN ${expired} THEN ${now} ELSE login_failures.window_start END`,
        }),
      )
      .returning(['failures', 'window_start'])
      .executeTakeFirstOrThrow();
    return { failures: Number(row.failures), windowStart: Number(row.window_start) };
  }

  /** Blocks a key until `until`, never shortening a block already in place. */
  async blockUntil(keyHash: string, until: number): Promise<void> {
    await this.db
      .updateTable('login_failures')
      .set({ blocked_until: until })
      .where('key_hash', '=', keyHash)
      .where('blocked_until', '<', until)
      .execute();
  }

  /** Forgets a key (a successful login clears its account's counter). */
  async clear(keyHash: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('key_hash', '=', keyHash).execute();
  }

  /** Drops counters that can no longer block anything, keeping the table small. */
  async pruneStale(now: number, windowSeconds: number): Promise<void> {
    await this.db
      .deleteFrom('login_failures')
      .where('window_start', '<=', now - windowSeconds)
      .where('blocked_until', '<=', now)
      .execute();
  }
}
