import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'

import {
  IGB_STORE_URL_UNSUPPORTED,
  MIGRATIONS,
  StoreError,
  migrateToLatest,
  migrationStatus,
  openStore,
  parseStoreUrl,
} from '../../src/store/index.js'
import { TEST_DIALECTS } from './dialects.js'
import { SQLITE_SYNC_BUSY_MS } from '../../src/store/sqlite-dialect.js'
import { runWorker } from './workers/run-worker.js'

// Every migration, in the order they run: the list grows as releases add migrations.
const ALL_MIGRATIONS = Object.keys(MIGRATIONS).sort()

describe('parseStoreUrl', () => {
  test('unknown scheme: clear error naming only the scheme', () => {
    assert.throws(
      () => parseStoreUrl('mysql://root:hunter2@db/igtoken'),
      (error: unknown) => {
        assert.ok(error instanceof StoreError)
        assert.equal(error.code, IGB_STORE_URL_UNSUPPORTED)
        assert.match(error.message, /"mysql"/)
        assert.ok(!error.message.includes('hunter2'))
        return true
      },
    )
  })

  test('empty url and empty sqlite path', () => {
    assert.throws(() => parseStoreUrl(''), { code: 'ERR_INVALID_ARG_VALUE' })
    assert.throws(() => parseStoreUrl('sqlite:'), { code: IGB_STORE_URL_UNSUPPORTED })
  })

  test('accepted forms', () => {
    assert.deepEqual(parseStoreUrl(':memory:'), { kind: 'sqlite', path: ':memory:' })
    assert.deepEqual(parseStoreUrl('sqlite:data/x.db'), { kind: 'sqlite', path: 'data/x.db' })
    assert.deepEqual(parseStoreUrl('sqlite:///var/x.db'), { kind: 'sqlite', path: '/var/x.db' })
    assert.deepEqual(parseStoreUrl('./x.db'), { kind: 'sqlite', path: './x.db' })
    assert.deepEqual(parseStoreUrl('postgresql://u@h/d'), {
      kind: 'postgres',
      connectionString: 'postgresql://u@h/d',
    })
  })
})

describe('openStore (sqlite specifics)', () => {
  test('WAL, foreign keys on, busy timeout, parent directory created', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igtoken-'))
    const file = path.join(dir, 'nested', 'deeper', 'x.db')
    const store = await openStore(file, { busyTimeoutMs: 1234 })
    try {
      const { sql } = await import('kysely')
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db)
      assert.equal(mode.rows[0]?.journal_mode, 'wal')
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db)
      assert.equal(fk.rows[0]?.foreign_keys, 1)
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db)
      // Each try may block the loop only this long; the 1234 ms are waited out asynchronously.
      assert.equal(busy.rows[0]?.timeout, SQLITE_SYNC_BUSY_MS)
      assert.equal(store.dialect.name, 'sqlite')
      assert.equal(store.dialect.supportsSkipLocked, false)
    } finally {
      await store.close()
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

for (const dialect of TEST_DIALECTS) {
  describe(`migrations [${dialect.name}]`, () => {
    test('from empty: one pending, then applied; re-run is a no-op', async () => {
      const t = await dialect.setup({ migrate: false })
      try {
        assert.deepEqual(await migrationStatus(t.store), { applied: [], pending: ALL_MIGRATIONS })
        assert.deepEqual(await migrateToLatest(t.store), { executed: ALL_MIGRATIONS })
        assert.deepEqual(await migrationStatus(t.store), { applied: ALL_MIGRATIONS, pending: [] })
        assert.deepEqual(await migrateToLatest(t.store), { executed: [] })
        const other = await t.openAnother()
        assert.deepEqual(await migrateToLatest(other), { executed: [] })
        const tables = (await t.store.db.introspection.getTables()).map((x) => x.name).sort()
        assert.deepEqual(tables, [
          'accounts',
          'api_keys',
          'connect_attempts',
          'connect_links',
          'dashboard_sessions',
          'dashboard_sign_in_links',
          'deletion_requests',
          'events',
          'feeds',
          'seen_signed_requests',
          'store_changes',
          'throttle_gates',
          'tokens',
          'webhook_deliveries',
          'webhook_subscribers',
        ])
      } finally {
        await t.cleanup()
      }
    })

    test('two instances migrating at once both succeed, once', async () => {
      const t = await dialect.setup({ migrate: false })
      try {
        // Separate threads: two connections truly at the same time, as two processes would be.
        const barrier = new SharedArrayBuffer(4)
        const job = { url: t.url, task: 'migrate', barrier, parties: 2 }
        const results = await Promise.all([
          runWorker<{ executed: string[] }>(job),
          runWorker<{ executed: string[] }>(job),
        ])
        assert.deepEqual(
          results.flatMap((r) => r.executed),
          ALL_MIGRATIONS,
        )
        assert.deepEqual(await migrationStatus(t.store), { applied: ALL_MIGRATIONS, pending: [] })
      } finally {
        await t.cleanup()
      }
    })
  })
}
