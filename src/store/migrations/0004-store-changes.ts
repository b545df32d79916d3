import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made keys, epoch-ms bigints.

/**
 * Adds the short log of committed changes that tells other processes what to drop from their
 * caches (SQLite; PostgreSQL sends the same through NOTIFY and leaves the table empty).
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('store_changes')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text')
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
}
