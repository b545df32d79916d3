import { SqliteAdapter, sql } from 'kysely'
import type { Kysely } from 'kysely'

// Frozen once released, like 0001. Same portability rules: app-made keys, epoch-ms bigints.

/** The key of an account from now on: one per Instagram account of a login, not per login. */
const UNIQUE_KEY = sql`create unique index accounts_flavor_meta_user_ig_user_unique
  on accounts (flavor, meta_user_id, (coalesce(ig_user_id, '')))`

/**
 * One Facebook login can connect several Instagram accounts (one per granted Page), so the unique
 * key of `accounts` becomes (flavor, meta_user_id, ig_user_id) instead of (flavor, meta_user_id).
 * Existing rows are kept as they are. A missing `ig_user_id` counts as `''` in the key, so such a
 * row still cannot be doubled.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The store's SQLite adapter extends Kysely's; a failed probe query would abort PostgreSQL's
  // migration transaction, so the dialect is read off the adapter instead.
  if (db.getExecutor().adapter instanceof SqliteAdapter) await rebuildOnSqlite(db)
  else
    await sql`alter table accounts drop constraint accounts_flavor_meta_user_id_unique`.execute(db)
  await UNIQUE_KEY.execute(db)
}

/**
 * SQLite cannot drop a table constraint: the table is rebuilt. The migrator runs inside a
 * transaction, where `foreign_keys = OFF` is ignored, and dropping `accounts` would cascade to
 * `tokens` and `feeds`; so their rows wait in temporary tables while `accounts` is replaced, and
 * come back unchanged (their foreign keys name `accounts`, which exists again by then).
 */
async function rebuildOnSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`create temp table keep_tokens as select * from tokens`.execute(db)
  await sql`create temp table keep_feeds as select * from feeds`.execute(db)
  await sql`delete from feeds`.execute(db)
  await sql`delete from tokens`.execute(db)
  await db.schema
    .createTable('accounts_new')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meta_user_id', 'text', (c) => c.notNull())
    .addColumn('ig_user_id', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('status_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('connected_at', 'bigint', (c) => c.notNull())
    .execute()
  const columns = sql.raw(
    'id, meta_user_id, ig_user_id, username, flavor, scopes, status, label, status_reason, created_at, updated_at, connected_at',
  )
  await sql`insert into accounts_new (${columns}) select ${columns} from accounts`.execute(db)
  await sql`drop table accounts`.execute(db)
  await sql`alter table accounts_new rename to accounts`.execute(db)
  // The indexes of 0001 and 0005 went with the old table.
  await db.schema
    .createIndex('accounts_meta_user_id_index')
    .on('accounts')
    .column('meta_user_id')
    .execute()
  await db.schema
    .createIndex('accounts_created_at_id_index')
    .on('accounts')
    .columns(['created_at', 'id'])
    .execute()
  await db.schema
    .createIndex('accounts_status_created_at_id_index')
    .on('accounts')
    .columns(['status', 'created_at', 'id'])
    .execute()
  await sql`insert into tokens select * from keep_tokens`.execute(db)
  await sql`insert into feeds select * from keep_feeds`.execute(db)
  await sql`drop table keep_tokens`.execute(db)
  await sql`drop table keep_feeds`.execute(db)
}

/**
 * Restores the key of 0001 (fails when a login has several accounts by then).
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('accounts_flavor_meta_user_ig_user_unique').execute()
  await sql`create unique index accounts_flavor_meta_user_id_unique on accounts (flavor, meta_user_id)`.execute(
    db,
  )
}
