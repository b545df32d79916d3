import { sql } from 'kysely'
import type { Kysely, SelectQueryBuilder } from 'kysely'

import type { Database } from './schema.js'

/** Which database a store speaks. */
export type DialectName = 'sqlite' | 'postgres'

/**
 * The one place where SQLite and PostgreSQL differ. Repositories ask the adapter instead of
 * testing the dialect themselves.
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
   * Adds row locking to the candidate sub-select of a lease claim (`FOR UPDATE SKIP LOCKED` on
   * PostgreSQL, so concurrent claimers skip each other's rows instead of queueing; nothing on
   * SQLite).
   * @param query - the sub-select choosing rows to lease
   */
  lockForClaim<DB, TB extends keyof DB, O>(
    query: SelectQueryBuilder<DB, TB, O>,
  ): SelectQueryBuilder<DB, TB, O>
  /**
   * Runs `fn` in a transaction that holds the write lock from its first statement (SQLite
   * `BEGIN IMMEDIATE`; PostgreSQL `BEGIN`, where row locks and constraints do the work). Not
   * re-entrant: do not nest.
   * @param db - the store's Kysely instance (not a transaction)
   * @param fn - the work; its Kysely argument is bound to the transaction
   */
  writeTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
}

/** The SQLite adapter (better-sqlite3: one writer at a time, no row locks). */
export const sqliteAdapter: DialectAdapter = Object.freeze({
  name: 'sqlite',
  supportsSkipLocked: false,
  lockForClaim: <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) => query,
  writeTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    // Kysely's own transaction() sends a deferred BEGIN, which in WAL mode can fail with
    // SQLITE_BUSY when it later upgrades to a writer; IMMEDIATE waits on busy_timeout instead.
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const result = await fn(conn)
        await sql`commit`.execute(conn)
        return result
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined)
        throw error
      }
    })
  },
})

/** The PostgreSQL adapter (row locks with `SKIP LOCKED`). */
export const postgresAdapter: DialectAdapter = Object.freeze({
  name: 'postgres',
  supportsSkipLocked: true,
  lockForClaim: <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) =>
    query.forUpdate().skipLocked(),
  writeTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return db.transaction().execute(fn)
  },
})
