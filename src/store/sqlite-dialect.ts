import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely'
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely'

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
