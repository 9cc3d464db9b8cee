import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../paths';
import { positiveInt } from './fields';

/** Where a service keeps its data and how it talks to it: what `openDatabase` takes. */
export interface DatabaseSettings {
  /** `postgres://user:pass@host:port/db`; when absent the service uses the SQLite `file`. */
  url?: string;
  /** SQLite file (absolute, or `:memory:`), used when there is no `url`. */
  file: string;
  /** Connections the PostgreSQL pool may open. */
  poolSize: number;
  /** Longest a statement may run on PostgreSQL before the server cancels it. */
  statementTimeoutMs: number;
  /** Longest to wait for a PostgreSQL connection: a new one, or a free one from a full pool. */
  connectTimeoutMs: number;
}

/** A PostgreSQL connection URL with a host and a database name. */
const postgresUrl = () =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
      } catch {
        return false;
      }
    }, 'must be a postgres://user:password@host:port/database URL');

/** The config keys of a service's database, prefixed by the service (`USER_DB_URL`, ...). */
export type DatabaseKeys<P extends string> = {
  [K in `${P}_DB_PATH`]: z.ZodDefault<z.ZodString>;
} & { [K in `${P}_DB_URL`]: z.ZodOptional<ReturnType<typeof postgresUrl>> } & {
  [K in `${P}_DB_POOL_SIZE` | `${P}_DB_STATEMENT_TIMEOUT_MS` | `${P}_DB_CONNECT_TIMEOUT_MS`]: ReturnType<typeof positiveInt>;
};

/**
 * The database keys of a service's config schema (`<P>_DB_PATH`, `<P>_DB_URL`, pool size and
 * timeouts), the same for every service so that each one reads its database the same way.
 */
export function databaseKeys<P extends string>(prefix: P, defaultFile: string): DatabaseKeys<P> {
  return {
    /** SQLite file, relative to the project root, or `:memory:`. */
    [`${prefix}_DB_PATH`]: z.string().trim().min(1, 'must not be empty').default(defaultFile),
    [`${prefix}_DB_URL`]: postgresUrl().optional(),
    [`${prefix}_DB_POOL_SIZE`]: positiveInt(10),
    // Below the callers' deadline (GRPC_DEADLINE_MS, 5 s): a stuck database answers UNAVAILABLE
    // in time instead of the caller giving up first.
    [`${prefix}_DB_STATEMENT_TIMEOUT_MS`]: positiveInt(2000),
    [`${prefix}_DB_CONNECT_TIMEOUT_MS`]: positiveInt(1000),
  } as DatabaseKeys<P>;
}

/** The {@link DatabaseSettings} in a validated config, from the keys {@link databaseKeys} added. */
export function databaseSettings<P extends string>(config: Record<string, unknown>, prefix: P): DatabaseSettings {
  const get = (suffix: string) => config[`${prefix}_DB_${suffix}`];
  const url = get('URL') as string | undefined;
  return {
    ...(url ? { url } : {}),
    file: resolveDbPath(get('PATH') as string),
    poolSize: get('POOL_SIZE') as number,
    statementTimeoutMs: get('STATEMENT_TIMEOUT_MS') as number,
    connectTimeoutMs: get('CONNECT_TIMEOUT_MS') as number,
  };
}

/** A database file to open: `:memory:` as is, anything else resolved against the project root. */
export function resolveDbPath(dbPath: string): string {
  return dbPath === ':memory:' ? dbPath : path.resolve(projectRoot, dbPath);
}

/** Where the data is, for a log line: the PostgreSQL URL without its password, or the file. */
export function describeDatabase(settings: DatabaseSettings): string {
  if (!settings.url) return `sqlite:${settings.file}`;
  const url = new URL(settings.url);
  if (url.password) url.password = '';
  return url.toString().replace(/:@/, '@');
}
