import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

import { migrateToLatest, openStore } from '../../src/store/index.js'
import { createPostgresDatabase, postgresAdminUrl } from '../helpers/postgres.js'
import type { DialectName, Store } from '../../src/store/index.js'

/** A database made for one test. */
export interface TestDatabase {
  /** The URL the store was opened with. */
  readonly url: string
  /** An open, migrated store. */
  readonly store: Store
  /** Opens another, independent connection (or pool) to the same database. */
  openAnother(): Promise<Store>
  /** Files holding the data (SQLite: the db and its -wal), for raw-byte checks; [] otherwise. */
  files(): string[]
  /** Closes every store opened here and removes the database. */
  cleanup(): Promise<void>
}

/** One database family the store suites run against. */
export interface TestDialect {
  readonly name: DialectName
  /**
   * Creates a fresh database for one test.
   * @param migrate - run migrations (default true)
   */
  setup(opts?: { migrate?: boolean }): Promise<TestDatabase>
}

const sqlite: TestDialect = {
  name: 'sqlite',
  async setup({ migrate = true } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igtoken-'))
    const file = path.join(dir, 'store.db')
    const url = `sqlite:${file}`
    const opened: Store[] = []
    const open = async () => {
      const s = await openStore(url)
      opened.push(s)
      return s
    }
    const store = await open()
    if (migrate) await migrateToLatest(store)
    return {
      url,
      store,
      openAnother: open,
      files: () => [file, `${file}-wal`].filter((f) => fs.existsSync(f)),
      async cleanup() {
        for (const s of opened) await s.close()
        fs.rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

// Every `npm test` run has a PostgreSQL server (scripts/run-tests.mjs starts one); each setup gets
// a database of its own on it.
const postgres: TestDialect = {
  name: 'postgres',
  async setup({ migrate = true } = {}) {
    const database = await createPostgresDatabase()
    const opened: Store[] = []
    const open = async () => {
      const s = await openStore(database.url)
      opened.push(s)
      return s
    }
    const store = await open()
    if (migrate) await migrateToLatest(store)
    return {
      url: database.url,
      store,
      openAnother: open,
      files: () => [],
      async cleanup() {
        for (const s of opened) await s.close()
        await database.drop()
      },
    }
  },
}

/**
 * The dialects every store suite loops over: SQLite always, PostgreSQL whenever the run has a
 * server (always under `npm test`; see test/helpers/postgres.ts).
 */
export const TEST_DIALECTS: readonly TestDialect[] = Object.freeze(
  postgresAdminUrl() === undefined ? [sqlite] : [sqlite, postgres],
)

/** A fixed instant for tests: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1)

/** One day in ms. */
export const DAY = 86_400_000

/** A plausible long-lived Instagram token, distinct per call. */
export function fakeToken(): string {
  return `IGAAT${randomBytes(90).toString('base64url')}`
}
