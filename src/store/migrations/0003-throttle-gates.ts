import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made keys, epoch-ms bigints.

/**
 * Adds the throttle gates that instances share: when Meta says "slow down", every instance of the
 * service honours it, not only the one that was told.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('throttle_gates')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('open_at', 'bigint', (c) => c.notNull())
    .execute()
}
