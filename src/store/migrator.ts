import { Migrator } from 'kysely'

import type { StoreContext } from './database.js'
import { migrationProvider } from './migrations/index.js'
import { IGB_MIGRATION_FAILED, StoreError } from './store-error.js'

/** Which migrations ran and which are left. */
export interface MigrationStatus {
  /** Names already applied, in order. */
  readonly applied: readonly string[]
  /** Names not yet applied, in order. */
  readonly pending: readonly string[]
}

function migratorFor(store: StoreContext): Migrator {
  return new Migrator({ db: store.db, provider: migrationProvider })
}

/**
 * Applies every pending migration (safe to call at each start; concurrent callers are
 * serialised by Kysely's migration lock).
 * @param store - an open store
 * @returns the names of the migrations this call applied (empty when already current)
 * @throws StoreError `IGB_MIGRATION_FAILED` naming the failed migration, with the database error
 *   as `cause`
 */
export async function migrateToLatest(store: StoreContext): Promise<{ executed: string[] }> {
  const { error, results = [] } = await migratorFor(store).migrateToLatest()
  const failed = results.find((r) => r.status === 'Error')
  if (error !== undefined || failed !== undefined) {
    throw new StoreError(
      IGB_MIGRATION_FAILED,
      failed === undefined
        ? 'database migration failed'
        : `database migration "${failed.migrationName}" failed`,
      { cause: error },
    )
  }
  return { executed: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

/**
 * Lists applied and pending migrations without changing anything.
 * @param store - an open store
 */
export async function migrationStatus(store: StoreContext): Promise<MigrationStatus> {
  const migrations = await migratorFor(store).getMigrations()
  return {
    applied: migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: migrations.filter((m) => m.executedAt === undefined).map((m) => m.name),
  }
}
