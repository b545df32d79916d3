import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made keys, epoch-ms bigints.

/**
 * Adds one-time dashboard sign-in links, kept in the database so a CLI process
 * (`igtoken dashboard-link`) can mint a link the running service accepts.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_sign_in_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('dashboard_sign_in_links_expires_at_index')
    .on('dashboard_sign_in_links')
    .column('expires_at')
    .execute()
}

/**
 * Drops the table.
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dashboard_sign_in_links').execute()
}
