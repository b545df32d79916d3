import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made ids, epoch-ms bigints.

/**
 * Adds the dashboard's server-side sessions and the public feeds.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('csrf_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('dashboard_sessions_expires_at_index')
    .on('dashboard_sessions')
    .column('expires_at')
    .execute()

  await db.schema
    .createTable('feeds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) =>
      c.notNull().references('accounts.id').onDelete('cascade'),
    )
    .addColumn('label', 'text')
    .addColumn('media_limit', 'integer', (c) => c.notNull())
    .addColumn('allowed_origins', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('snapshot_body', 'text')
    .addColumn('snapshot_etag', 'text')
    .addColumn('snapshot_at', 'bigint')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_at', 'bigint')
    .execute()
  await db.schema.createIndex('feeds_account_id_index').on('feeds').column('account_id').execute()
}

/**
 * Drops what {@link up} created.
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feeds').ifExists().execute()
  await db.schema.dropTable('dashboard_sessions').ifExists().execute()
}
