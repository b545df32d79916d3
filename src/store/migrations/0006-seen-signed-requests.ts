import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made keys, epoch-ms bigints.

/**
 * Adds the memory of Meta callbacks already handled (deauthorize, data deletion), so a replayed
 * `signed_request` changes nothing and answers what the first one did.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('seen_signed_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('confirmation_code', 'text')
    .addColumn('accounts', 'integer', (c) => c.notNull())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('seen_signed_requests_expires_at_index')
    .on('seen_signed_requests')
    .column('expires_at')
    .execute()
}

/**
 * Drops the table.
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('seen_signed_requests').execute()
}
