import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { tracer } from '../telemetry/spans';

/** `SELECT`, `INSERT`, ... : the first keyword of a statement. */
export function operationOf(sql: string): string {
  return /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
}

/**
 * A connection that runs each statement in a CLIENT span (`SELECT users`, ...) with
 * `db.system`, `db.operation.name` and `db.query.text`. Kysely compiles values into `?`
 * parameters, so the statement text never holds a value (an email or a password hash).
 */
class TracedConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly base: Attributes,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const operation = operationOf(query.sql);
    const table = /\b(?:from|into|update|table)\s+"?(\w+)"?/i.exec(query.sql)?.[1];
    const span = tracer.startSpan(table ? `${operation} ${table}` : operation, {
      kind: SpanKind.CLIENT,
      attributes: {
        ...this.base,
        'db.operation.name': operation,
        'db.query.text': query.sql,
        ...(table ? { 'db.collection.name': table } : {}),
      },
    });
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (err) {
      // Driver messages can quote values (a UNIQUE violation names the column, not the value,
      // in SQLite, but stay safe): record only the error class.
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      span.addEvent('exception', { 'exception.type': (err as { code?: string }).code ?? (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class TracedDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, TracedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly base: Attributes,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.inner.acquireConnection();
    let traced = this.wrapped.get(conn);
    if (!traced) {
      traced = new TracedConnection(conn, this.base);
      this.wrapped.set(conn, traced);
    }
    return traced;
  }

  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(conn, settings);
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(conn);
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(conn);
  }

  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(conn);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Wraps a Kysely dialect so every statement gets a span; `attributes` name the database. */
export function tracedDialect(inner: Dialect, attributes: Attributes): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => new TracedDriver(inner.createDriver(), attributes),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
  };
}
