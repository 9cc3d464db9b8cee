import type { Attributes } from '@opentelemetry/api';
import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { tracing } from '../telemetry/active-config';
import type { DbStatementSpan } from '../telemetry/tracing';
import { asCallerError } from './db-errors';

/** `SELECT`, `INSERT`, ... : the first keyword of a statement. */
export function operationOf(sql: string): string {
  return /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
}

/**
 * A connection that runs each statement in a CLIENT span (`SELECT users`, ...) with
 * `db.system`, `db.operation.name` and `db.query.text`. Kysely compiles values into `?` / `$1`
 * parameters, so the statement text never holds a value (an email or a password hash).
 */
class TracedConnection implements DatabaseConnection {
  constructor(
    /** The driver's own connection: the driver's other methods must get this one back. */
    readonly inner: DatabaseConnection,
    private readonly base: Attributes,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.traced(query.sql, () => this.inner.executeQuery<R>(query));
  }

  /** Runs `run` (which executes `sql`) in a span; a failure is recorded and mapped (db-errors.ts). */
  async traced<T>(sql: string, run: () => Promise<T>): Promise<T> {
    try {
      return await tracing().dbStatement(() => this.describe(sql), run);
    } catch (err) {
      throw asCallerError(err);
    }
  }

  /** The span of statement `sql`: `SELECT users`, with its operation, text and table. */
  private describe(sql: string): DbStatementSpan {
    const operation = operationOf(sql);
    const table = /\b(?:from|into|update|table)\s+"?(\w+)"?/i.exec(sql)?.[1];
    return {
      name: table ? `${operation} ${table}` : operation,
      attributes: { ...this.base, 'db.operation.name': operation, 'db.query.text': sql, ...(table ? { 'db.collection.name': table } : {}) },
    };
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * The driver side of {@link tracedDialect}. Kysely hands the connection it acquired back to the
 * driver for transactions and release; drivers keep private state on their own connection class
 * (PostgreSQL's release is a module-private method), so those calls get the driver's connection,
 * and the transaction statements are traced here with the text the drivers send.
 */
class TracedDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, TracedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly base: Attributes,
    private readonly options: TracedDialectOptions,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let conn: DatabaseConnection;
    try {
      conn = await this.inner.acquireConnection();
    } catch (err) {
      // A full pool past the connect timeout, or a server that refuses connections.
      throw asCallerError(err);
    }
    let traced = this.wrapped.get(conn);
    if (!traced) {
      traced = new TracedConnection(conn, this.base);
      this.wrapped.set(conn, traced);
    }
    return traced;
  }

  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const traced = conn as TracedConnection;
    if (this.options.beginImmediate) {
      // SQLite's plain BEGIN takes the write lock only at the first write: two processes sharing
      // the file (replicas) that both read first then deadlock on the upgrade with SQLITE_BUSY,
      // which busy_timeout cannot wait out. BEGIN IMMEDIATE takes it up front, so they queue.
      return traced.traced('begin immediate', () => traced.inner.executeQuery(CompiledQuery.raw('begin immediate')).then(() => undefined));
    }
    return traced.traced('begin', () => this.inner.beginTransaction(traced.inner, settings));
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    const traced = conn as TracedConnection;
    return traced.traced('commit', () => this.inner.commitTransaction(traced.inner));
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    const traced = conn as TracedConnection;
    return traced.traced('rollback', () => this.inner.rollbackTransaction(traced.inner));
  }

  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((conn as TracedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Options of {@link tracedDialect}. */
export interface TracedDialectOptions {
  /** Start transactions with `BEGIN IMMEDIATE` (SQLite shared by several processes). */
  beginImmediate?: boolean;
}

/**
 * Wraps a Kysely dialect so every statement gets a span (`attributes` name the database) and a
 * database that cannot serve surfaces as UNAVAILABLE (db-errors.ts), whichever the engine.
 */
export function tracedDialect(inner: Dialect, attributes: Attributes, options: TracedDialectOptions = {}): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => new TracedDriver(inner.createDriver(), attributes, options),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
  };
}
