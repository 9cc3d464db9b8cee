import { sql, type Kysely, type Migration } from 'kysely';

// Migrations are frozen once released: they take Kysely<unknown>, not today's schema type, so a
// later schema change cannot silently alter what an old migration does.

/** The user service's migrations, applied in name order. */
export const userMigrations: Record<string, Migration> = {
  '0001_create_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey().notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('user').check(sql`role in ('user', 'admin')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Emails are stored lower-cased, so this makes them unique case-insensitively; it is also
      // what makes concurrent registrations of one email race-free.
      await db.schema.createIndex('users_email_unique').on('users').column('email').unique().execute();
      // ListUsers pages in (created_at, id) order.
      await db.schema.createIndex('users_created_at_id').on('users').columns(['created_at', 'id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('users').execute();
    },
  },
  '0002_registration_state': {
    async up(db: Kysely<unknown>) {
      // A registration writes the profile first (pending), then the credentials in the auth
      // service, then marks the profile active: a crash in between leaves a pending row that a
      // later registration of the email, or the sweep, resolves (user-handlers.ts). Rows from
      // before this migration were complete registrations.
      await db.schema
        .alterTable('users')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('pending', 'abandoned', 'active')`))
        .execute();
      await db.schema.createIndex('users_status_created_at').on('users').columns(['status', 'created_at']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('users_status_created_at').execute();
      await db.schema.alterTable('users').dropColumn('status').execute();
    },
  },
  '0003_registration_attempts': {
    async up(db: Kysely<unknown>) {
      // Registration attempts per client address (hashed), for the registration throttle
      // (registration-throttle.ts): in the database, so the limit holds across restarts and
      // instances. Times are unix seconds in `bigint` (PostgreSQL's `integer` ends in 2038).
      await db.schema
        .createTable('registration_attempts')
        .addColumn('key_hash', 'text', (c) => c.primaryKey())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('registration_attempts_window_start').on('registration_attempts').column('window_start').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('registration_attempts').execute();
    },
  },
};
