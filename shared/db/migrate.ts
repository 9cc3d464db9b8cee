import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { Migrator, type Kysely, type Migration } from 'kysely';

/**
 * Applies `migrations` (by name, in name order) to latest. Kysely's migrator takes a lock first
 * (a row lock on PostgreSQL, the single writer on SQLite), so replicas starting at once migrate
 * once. `where` names the database in the error.
 */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Record<string, Migration>, where: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  // Migrations run at start, outside any request: suppressed so they do not become root traces.
  const { error, results } = await context.with(suppressTracing(context.active()), () => migrator.migrateToLatest());
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // The driver's own words (ECONNREFUSED, a missing database, a bad password) say what to fix;
    // a mapped UNAVAILABLE keeps them as its cause.
    const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    throw new Error(`database ${where}: ${failed ? `migration ${failed} failed` : 'cannot migrate'}: ${reason}`);
  }
}
