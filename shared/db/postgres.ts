import { Kysely, PostgresDialect, type Migration } from 'kysely';
import { Pool, types, type PoolConfig } from 'pg';
import type { DatabaseSettings } from '../config/database';
import type { Logger } from '../logging/logger';
import { migrateToLatest } from './migrate';
import { tracedDialect } from './traced-dialect';

/** A PostgreSQL database opened by {@link openPostgres}. */
export interface OpenedPostgres<DB> {
  db: Kysely<DB>;
  /** One `SELECT 1` on a pool connection, bounded by the connect and statement timeouts. */
  ping(): Promise<void>;
}

// int8 (bigint: unix-second times, COUNT(*)) arrives as a string by default, because it can exceed
// 2^53. Our values never do, and the repositories want the same numbers SQLite gives them.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

/**
 * Opens a pooled, traced PostgreSQL database through Kysely and migrates it to latest. Pool size
 * and timeouts come from `settings`: a full pool or an unreachable server fails a statement within
 * connectTimeoutMs, a stuck statement within statementTimeoutMs (see db-errors.ts for what that
 * becomes), and a dropped connection is logged and replaced, never fatal.
 */
export async function openPostgres<DB>(
  settings: DatabaseSettings & { url: string },
  migrations: Record<string, Migration>,
  logger: Logger,
  applicationName: string,
): Promise<OpenedPostgres<DB>> {
  const url = new URL(settings.url);
  const database = decodeURIComponent(url.pathname.slice(1));
  const config: PoolConfig = {
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // Server side: the statement is cancelled and the connection stays usable.
    statement_timeout: settings.statementTimeoutMs,
    // Client side, a little later: for a server that stopped answering at all (frozen, network gone).
    query_timeout: settings.statementTimeoutMs + 1000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: applicationName,
    types: pgTypes,
  };
  const pool = new Pool(config);
  // A connection that fails while idle in the pool, or while checked out between statements (the
  // pool then has no listener on it), emits 'error': unhandled, that would end the process.
  pool.on('error', (err) => logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection lost (idle)'));
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection lost'));
  });

  const db = new Kysely<DB>({
    dialect: tracedDialect(new PostgresDialect({ pool }), {
      'db.system': 'postgresql',
      'db.system.name': 'postgresql',
      'db.namespace': database,
      'server.address': url.hostname,
      'server.port': Number(url.port || 5432),
    }),
  });
  try {
    await migrateToLatest(db as Kysely<unknown>, migrations, `postgresql ${url.hostname}:${url.port || 5432}/${database}`);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    ping: async () => {
      await pool.query('SELECT 1');
    },
  };
}
