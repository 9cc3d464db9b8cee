import type { Kysely, Migration } from 'kysely';
import type { DatabaseSettings } from '../config/database';
import type { Logger } from '../logging/logger';
import { openPostgres } from './postgres';
import { openSqlite } from './sqlite';

/** A service's open database, whichever engine it is on. */
export interface OpenDatabase<DB> {
  db: Kysely<DB>;
  /** `postgresql` or `sqlite`, as in the spans' `db.system.name`. */
  system: 'postgresql' | 'sqlite';
  /**
   * Resolves when the database answers, rejects when it does not: what readiness watches. Absent
   * for SQLite, which is a file in the process and cannot be unreachable.
   */
  ping?: () => Promise<void>;
  /** Closes the pool or the file. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  settings: DatabaseSettings;
  /** Migrations by name, applied in name order. */
  migrations: Record<string, Migration>;
  logger: Logger;
  /** Who connects (PostgreSQL's `application_name`, seen in pg_stat_activity): the service name. */
  name: string;
}

/**
 * Opens the database the settings name, migrated to latest: PostgreSQL when there is a URL, the
 * SQLite file otherwise. The same repositories and migrations run on both.
 */
export async function openDatabase<DB>(options: OpenDatabaseOptions): Promise<OpenDatabase<DB>> {
  const { settings, migrations } = options;
  if (settings.url) {
    const { db, ping } = await openPostgres<DB>({ ...settings, url: settings.url }, migrations, options.logger, options.name);
    return { db, system: 'postgresql', ping, close: () => db.destroy() };
  }
  const db = await openSqlite<DB>({ file: settings.file, migrations });
  return { db, system: 'sqlite', close: () => db.destroy() };
}
