import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Frozen once released, like 0001. One column, with a default, so it stands alone.

/**
 * Every scope a key could hold when this migration was written. Keys made before scopes existed
 * could do everything, so they keep every scope: upgrading changes what no app can do. The list
 * is copied here (not imported) because a migration must not change when the code does.
 */
const ALL_SCOPES_AT_0009 =
  'tokens:read,graph:read,graph:write,accounts:manage,webhooks:manage,links:manage'

/**
 * Adds `api_keys.scopes`: the comma-separated scopes of a key (docs/security.md, "API key scopes").
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo(sql.lit(ALL_SCOPES_AT_0009)))
    .execute()
}

/**
 * Drops the column (every key can do everything again).
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('scopes').execute()
}
