import { AppError } from '../errors/app-error';

type DriverError = { code?: unknown; constraint?: unknown; message?: unknown } | null | undefined;

const codeOf = (err: unknown) => (err as DriverError)?.code;

/** PostgreSQL's unique_violation SQLSTATE. */
const PG_UNIQUE_VIOLATION = '23505';

/** True when `err` is a UNIQUE index violation (SQLite or PostgreSQL), not a primary key one. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  return code === PG_UNIQUE_VIOLATION && !isPrimaryKeyConstraint(err);
}

/** True when `err` is a duplicate primary key (SQLite or PostgreSQL). */
export function isPrimaryKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return code === PG_UNIQUE_VIOLATION && isPrimaryKeyConstraint(err);
}

// PostgreSQL names a primary key constraint `<table>_pkey` unless told otherwise (the migrations
// never name one).
const isPrimaryKeyConstraint = (err: unknown) => String((err as DriverError)?.constraint ?? '').endsWith('_pkey');

// SQLSTATE classes and codes that mean "the database cannot serve now", not "this statement is
// wrong": 08 connection exception, 53 insufficient resources, 57P0x shutdown / cannot connect now,
// 57014 query_canceled (statement_timeout), 40001/40P01 (serialization failure, deadlock: retry).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0|57014$|40001$|40P01$)/;
// What the socket layer and pg/pg-pool throw without a SQLSTATE when the server is gone or slow.
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect', // pg-pool: no free connection within connectTimeoutMs
  'Connection terminated', // pg: the server closed the socket (restart, crash, network)
  'Query read timeout', // pg: query_timeout, the server stopped answering
  'not queryable', // pg: a client whose connection already failed
  'Cannot use a pool after calling end', // pg-pool during shutdown
];

/**
 * True when `err` says the database is unreachable, overloaded or restarting (PostgreSQL), or
 * locked past the busy timeout (SQLite): the call may succeed later, so it is UNAVAILABLE.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (typeof code === 'string') {
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE.test(code)) return true;
  }
  const message = (err as DriverError)?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
}

/** The message every caller gets when the database cannot serve; the cause stays in the logs. */
export const DATABASE_UNAVAILABLE = 'database unavailable, try again';

/**
 * The error a caller should see for a driver error: UNAVAILABLE (503 at the gateway) when the
 * database cannot serve now, the error itself otherwise (a repository maps or rethrows it).
 */
export function asCallerError(err: unknown): unknown {
  if (err instanceof AppError || !isDatabaseUnavailable(err)) return err;
  return Object.assign(new AppError('UNAVAILABLE', DATABASE_UNAVAILABLE), { cause: err });
}
