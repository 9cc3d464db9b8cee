/** A database engine the services can run on. */
export type TestDatabase = 'sqlite' | 'postgres';

/**
 * The engines the integration suite runs on: both by default; TEST_DATABASES=sqlite narrows it
 * (for a machine without PostgreSQL, on purpose, never silently).
 */
export const TEST_DATABASES: readonly TestDatabase[] = (process.env.TEST_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is TestDatabase => {
    if (s !== 'sqlite' && s !== 'postgres') throw new Error(`TEST_DATABASES: unknown database "${s}" (sqlite, postgres)`);
    return true;
  });

/** Declares a block once per engine in TEST_DATABASES: `forEachDatabase((db) => describe(`x [${db}]`, ...))`. */
export function forEachDatabase(define: (database: TestDatabase) => void): void {
  for (const database of TEST_DATABASES) define(database);
}
