import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

import { migrateToLatest, openStore } from '../../src/store/index.js'
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

// Issue 6 runs the suites on PostgreSQL too. Until its setup starts a server itself, point
// IGTOKEN_TEST_POSTGRES_URL at a server where the user may CREATE DATABASE.
function postgres(adminUrl: string): TestDialect {
  return {
    name: 'postgres',
    async setup({ migrate = true } = {}) {
      const { default: pg } = await import('pg')
      const name = `igtoken_test_${randomBytes(6).toString('hex')}`
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query(`create database ${name}`)
      await admin.end()
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      const opened: Store[] = []
      const open = async () => {
        const s = await openStore(url.toString())
        opened.push(s)
        return s
      }
      const store = await open()
      if (migrate) await migrateToLatest(store)
      return {
        url: url.toString(),
        store,
        openAnother: open,
        files: () => [],
        async cleanup() {
          for (const s of opened) await s.close()
          const c = new pg.Client({ connectionString: adminUrl })
          await c.connect()
          try {
            // No FORCE: every pool is closed by now, and FORCE would hide a leaked connection.
            // Retry briefly because a closed client's backend can take a moment to exit.
            for (let attempt = 0; ; attempt++) {
              try {
                await c.query(`drop database if exists ${name}`)
                break
              } catch (error) {
                if (attempt >= 50) throw error
                await new Promise((resolve) => setTimeout(resolve, 100))
              }
            }
          } finally {
            await c.end()
          }
        },
      }
    },
  }
}

const postgresUrl = process.env['IGTOKEN_TEST_POSTGRES_URL']

/** The dialects every store suite loops over: SQLite always, PostgreSQL when configured. */
export const TEST_DIALECTS: readonly TestDialect[] = Object.freeze(
  postgresUrl === undefined || postgresUrl === '' ? [sqlite] : [sqlite, postgres(postgresUrl)],
)

/** A fixed instant for tests: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1)

/** One day in ms. */
export const DAY = 86_400_000

/** A plausible long-lived Instagram token, distinct per call. */
export function fakeToken(): string {
  return `IGAAT${randomBytes(90).toString('base64url')}`
}
