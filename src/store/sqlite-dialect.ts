import { setTimeout as sleep } from 'node:timers/promises'
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely'
import type {
  DatabaseConnection,
  QueryResult,
  DialectAdapter,
  Driver,
  SqliteDatabase,
  SqliteDialectConfig,
  SqliteStatement,
} from 'kysely'

import { IGB_STORE_BUSY, StoreError } from './store-error.js'

/** Prepared statements kept per connection; the store issues a few dozen distinct SQL texts. */
const STATEMENT_CACHE_SIZE = 256

/**
 * The database as Kysely sees it, with prepared statements reused by SQL text. Kysely's SQLite
 * driver prepares every query anew, and preparing dominates a short query's cost (it was the top
 * entry of the token API's profile). Statements are never iterated concurrently (the store does
 * not stream), so reusing one is safe.
 * @internal
 */
export function withStatementCache(database: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => {
      cache.clear()
      database.close()
    },
    prepare: (sql: string) => {
      let statement = cache.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next()
          if (oldest.done !== true) cache.delete(oldest.value)
        }
        cache.set(sql, statement)
      }
      return statement
    },
  }
}

/**
 * Kysely's SQLite driver, except that transactions start with `BEGIN IMMEDIATE`. A deferred
 * `BEGIN` takes the write lock only at the first write; in WAL mode that upgrade fails at once
 * with SQLITE_BUSY(_SNAPSHOT) if another connection wrote meanwhile, instead of waiting on
 * busy_timeout. Every transaction in the store writes, so taking the lock up front is right.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #busyWaitMs: number

  constructor(config: SqliteDialectConfig, busyWaitMs: number) {
    super(config)
    this.#busyWaitMs = busyWaitMs
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return waitingOutBusy(await super.acquireConnection(), this.#busyWaitMs)
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

/**
 * How long better-sqlite3 may block the event loop waiting for a lock, per try. Its busy timeout
 * waits synchronously, so a long one froze every request (health checks included) while another
 * process held the write lock; short tries with asynchronous pauses between them keep the process
 * answering.
 * @internal
 */
export const SQLITE_SYNC_BUSY_MS = 20

/**
 * Appended (as an SQL comment) to a best-effort write: on SQLite it is tried once and fails with
 * `IGB_STORE_BUSY` at once instead of waiting out another process's lock. Waiting would hold this
 * process's one connection, and with it every read queued behind the write.
 * @internal
 */
export const NO_WAIT_SQL = ' /* igtoken:no-wait */'

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

/**
 * Retries a statement refused with SQLITE_BUSY after an asynchronous pause, until `busyWaitMs`
 * have passed; then fails with `IGB_STORE_BUSY`. Safe: a statement refused for the lock changed
 * nothing, and transactions take the lock at `BEGIN IMMEDIATE`, before any of their writes.
 */
function waitingOutBusy(connection: DatabaseConnection, busyWaitMs: number): DatabaseConnection {
  return {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const started = Date.now()
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        try {
          return await connection.executeQuery<R>(query)
        } catch (error) {
          if (!isBusy(error)) throw error
          if (query.sql.endsWith(NO_WAIT_SQL) || Date.now() - started >= busyWaitMs) {
            throw new StoreError(
              IGB_STORE_BUSY,
              `the SQLite database stayed locked by another process for ${busyWaitMs} ms`,
              { cause: error },
            )
          }
          await sleep(pause + Math.floor(Math.random() * pause))
        }
      }
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  }
}

/**
 * Kysely's SQLite adapter with transactional DDL switched on (SQLite has it), so the migrator
 * runs each migration batch in one `BEGIN IMMEDIATE` transaction: a failed migration leaves no
 * half-made schema, and two processes migrating the same file at once are serialised — the
 * second sees the first one's work instead of repeating it.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

/**
 * Kysely's `SqliteDialect` with immediate transactions and transactional migrations.
 * @internal
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #busyWaitMs: number

  /**
   * @param config - as for Kysely's `SqliteDialect`
   * @param busyWaitMs - how long a statement waits (asynchronously) for another process's lock
   */
  constructor(config: SqliteDialectConfig, busyWaitMs = 5000) {
    super(config)
    this.#config = config
    this.#busyWaitMs = busyWaitMs
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#busyWaitMs)
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}
