import { sql, type Kysely } from 'kysely';
import type { UserDatabase } from './db/schema';

/** The counter of one client after an attempt was added. */
export interface AttemptCount {
  attempts: number;
  windowStart: number;
}

/** Reads and writes `registration_attempts`, the registration throttle's counters. */
export class RegistrationAttemptRepository {
  constructor(private readonly db: Kysely<UserDatabase>) {}

  /**
   * Adds one attempt to a client's counter in one statement (an upsert, so concurrent attempts on
   * any instance are all counted, on PostgreSQL too). A counter whose window has passed starts
   * again at 1; one already past `limit` stays at `limit + 1` (refused attempts do not grow it).
   */
  async addAttempt(keyHash: string, now: number, windowSeconds: number, limit: number): Promise<AttemptCount> {
    const expired = sql<boolean>`registration_attempts.window_start <= ${now - windowSeconds}`;
    const row = await this.db
      .insertInto('registration_attempts')
      .values({ key_hash: keyHash, attempts: 1, window_start: now })
      .onConflict((oc) =>
        oc.column('key_hash').doUpdateSet({
          attempts: sql`CASE WHEN ${expired} THEN 1 WHEN registration_attempts.attempts > ${limit} THEN registration_attempts.attempts ELSE registration_attempts.attempts + 1 END`,
          window_start: sql`CASE WHEN ${expired} THEN ${now} ELSE registration_attempts.window_start END`,
        }),
      )
      .returning(['attempts', 'window_start'])
      .executeTakeFirstOrThrow();
    return { attempts: Number(row.attempts), windowStart: Number(row.window_start) };
  }

  /** Drops counters whose window has passed, keeping the table small. */
  async pruneStale(now: number, windowSeconds: number): Promise<void> {
    await this.db.deleteFrom('registration_attempts').where('window_start', '<=', now - windowSeconds).execute();
  }
}
