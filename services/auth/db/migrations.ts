import type { Kysely, Migration } from 'kysely';

// Migrations are frozen once released: they take Kysely<unknown>, not today's schema type, so a
// later schema change cannot silently alter what an old migration does. Add a change as a new
// entry ('0003_...').
//
// Times are unix seconds in `bigint` columns: PostgreSQL's `integer` ends in 2038. On SQLite both
// names have INTEGER affinity, so a file created when this said `integer` is exactly the same.

/** The auth database migrations, applied in name order by openDatabase. */
export const authMigrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('credentials')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('credentials_email_unique').unique().on('credentials').column('email').execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('credentials.user_id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Family revocation and the cascade from credentials look rows up by these.
      await db.schema.createIndex('refresh_tokens_family_id').on('refresh_tokens').column('family_id').execute();
      await db.schema.createIndex('refresh_tokens_user_id').on('refresh_tokens').column('user_id').execute();
      await db.schema.createIndex('refresh_tokens_expires_at').on('refresh_tokens').column('expires_at').execute();

      await db.schema
        .createTable('revoked_access_tokens')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('revoked_access_tokens_expires_at')
        .on('revoked_access_tokens')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('revoked_access_tokens').execute();
      await db.schema.dropTable('refresh_tokens').execute();
      await db.schema.dropTable('credentials').execute();
    },
  },
  '0002_login_failures': {
    async up(db: Kysely<unknown>) {
      // Failed logins per throttling key (an account or a client address, hashed): in the
      // database, so the limit holds across restarts and across replicas.
      await db.schema
        .createTable('login_failures')
        .addColumn('key_hash', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('blocked_until', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_failures_window_start').on('login_failures').column('window_start').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('login_failures').execute();
    },
  },
};
