import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made keys, epoch-ms bigints.

/**
 * Adds connect links (an agency's single-use onboarding links, stored only as a SHA-256 of their
 * secret) and ties a connect attempt to the link it was started from.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connect_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('account_id', 'text')
    .addColumn('cancelled_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('connect_links_created_at_index')
    .on('connect_links')
    .columns(['created_at', 'id'])
    .execute()
  await db.schema.alterTable('connect_attempts').addColumn('connect_link_id', 'text').execute()
}

/**
 * Drops the table and the column.
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connect_attempts').dropColumn('connect_link_id').execute()
  await db.schema.dropTable('connect_links').execute()
}
