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
};
