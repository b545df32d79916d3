import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely'
import type {
  DatabaseConnection,
  DialectAdapter,
  Driver,
  SqliteDatabase,
  SqliteDialectConfig,
  SqliteStatement,
} from 'kysely'

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
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
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

  /** @param config - as for Kysely's `SqliteDialect` */
  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}
