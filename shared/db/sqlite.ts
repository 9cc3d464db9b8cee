import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type Migration } from 'kysely';
import { migrateToLatest } from './migrate';
import { tracedDialect } from './traced-dialect';

/** Options of {@link openSqlite}. */
export interface OpenSqliteOptions {
  /** A file path, or `:memory:`. The parent folder is created if missing. */
  file: string;
  /** Migrations by name; applied in name order at open. */
  migrations: Record<string, Migration>;
}

/**
 * Opens a SQLite database through Kysely (the repositories run unchanged on PostgreSQL, see
 * postgres.ts), traced, with WAL and foreign keys on, and migrates it to latest. WAL and the busy
 * timeout also let several processes on one machine share the file (replicas).
 */
export async function openSqlite<DB>(options: OpenSqliteOptions): Promise<Kysely<DB>> {
  if (options.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
  const sqlite = new Database(options.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({
    dialect: tracedDialect(new SqliteDialect({ database: withStatementCache(sqlite) }), {
      'db.system': 'sqlite',
      'db.system.name': 'sqlite',
      'db.namespace': options.file === ':memory:' ? ':memory:' : path.basename(options.file),
    }, { beginImmediate: true }),
  });
  await migrateToLatest(db as Kysely<unknown>, options.migrations, options.file);
  return db;
}

/** How many distinct statements stay prepared; the repositories use a few dozen. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver calls `prepare()` for every query, which costs CPU on every DB-backed
 * request; each distinct statement is prepared once instead (bench/README.md). The driver uses
 * only `prepare` and `close`, so that is all this exposes. Oldest statements are evicted beyond the bound.
 */
function withStatementCache(sqlite: Database.Database): { prepare(sql: string): Database.Statement; close(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close: () => sqlite.close(),
  };
}
