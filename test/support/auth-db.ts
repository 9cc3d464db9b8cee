import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { openSqlite } from '../../shared/db/sqlite';
import { CredentialsRepository } from '../../services/auth/credentials-repository';
import { authMigrations } from '../../services/auth/db/migrations';
import type { AuthDatabase } from '../../services/auth/db/schema';

/** A fresh, migrated in-memory auth database. */
export function openTestDb(): Promise<Kysely<AuthDatabase>> {
  return openSqlite<AuthDatabase>({ file: ':memory:', migrations: authMigrations });
}

/** Stores credentials for a new user (by default with a placeholder hash) and returns the user id. */
export async function addUser(
  db: Kysely<AuthDatabase>,
  email = `${crypto.randomUUID()}@example.com`,
  passwordHash = 'placeholder',
): Promise<string> {
  const userId = crypto.randomUUID();
  await new CredentialsRepository(db).insert({ userId, email, passwordHash }, Math.floor(Date.now() / 1000));
  return userId;
}
