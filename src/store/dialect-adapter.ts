import type { SelectQueryBuilder } from 'kysely'

/** Which database a store speaks. */
export type DialectName = 'sqlite' | 'postgres'

/**
 * The one place where SQLite and PostgreSQL differ. Repositories ask the adapter instead of
 * testing the dialect themselves. (Transactions need no entry: `openStore` makes every SQLite
 * transaction `BEGIN IMMEDIATE`, so `db.transaction()` takes the write lock up front on both.)
 */
export interface DialectAdapter {
  /** The database family. */
  readonly name: DialectName
  /**
   * Whether `SELECT … FOR UPDATE SKIP LOCKED` exists. When false the database serialises writers
   * itself (SQLite), so a single `UPDATE … WHERE id IN (SELECT …)` statement is already exclusive.
   */
  readonly supportsSkipLocked: boolean
  /**
   * Adds row locking to the candidate sub-select of a lease claim: `FOR UPDATE SKIP LOCKED` on
   * PostgreSQL, so concurrent claimers skip each other's rows instead of queueing; nothing on
   * SQLite, where the claiming statement holds the database write lock.
   * @param query - the sub-select choosing rows to lease
   */
  lockForClaim<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>
}

/** The SQLite adapter (better-sqlite3: one writer at a time, no row locks). */
export const sqliteAdapter: DialectAdapter = Object.freeze({
  name: 'sqlite',
  supportsSkipLocked: false,
  lockForClaim: <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) => query,
})

/** The PostgreSQL adapter (row locks with `SKIP LOCKED`). */
export const postgresAdapter: DialectAdapter = Object.freeze({
  name: 'postgres',
  supportsSkipLocked: true,
  lockForClaim: <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) =>
    query.forUpdate().skipLocked(),
})
