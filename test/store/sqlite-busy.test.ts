// Another process holding SQLite's write lock must not freeze this one: the wait is spent off
// the event loop, and a lock held too long ends in IGB_STORE_BUSY, with nothing half-written.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import {
  appendEvent,
  listEventsByAccount,
  migrateToLatest,
  openStore,
} from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'

const T0 = Date.UTC(2026, 0, 1)

/** The longest pause between ticks of a 5 ms interval while `work` runs: how long the loop froze. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now()
  let longest = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 5)
  try {
    await work()
  } finally {
    clearInterval(timer)
  }
  return longest
}

describe('SQLite only: a lock held by another process', () => {
  let dir: string
  let file: string
  let store: Store
  let other: BetterSqlite3.Database
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'igtoken-busy-'))
    file = join(dir, 'store.db')
    store = await openStore(`sqlite:${file}`, { busyTimeoutMs: 1500 })
    await migrateToLatest(store)
    other = new BetterSqlite3(file, { timeout: 0 })
  })
  after(async () => {
    other.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('a write waits for the lock without blocking the event loop, then goes through', async () => {
    other.exec('begin immediate')
    const release = setTimeout(() => other.exec('commit'), 600)
    let written = false
    const stall = await longestStall(async () => {
      await appendEvent(store, { type: 'account.connected', accountId: 'acc_busy1', now: T0 })
      written = true
    })
    clearTimeout(release)
    assert.equal(written, true)
    // The old synchronous busy timeout stalled for the whole 600 ms hold.
    assert.ok(stall < 300, `the event loop stalled ${Math.round(stall)} ms`)
    assert.equal((await listEventsByAccount(store, 'acc_busy1')).items.length, 1)
  })

  test('a lock held past the wait fails with IGB_STORE_BUSY and writes nothing', async () => {
    other.exec('begin immediate')
    try {
      await assert.rejects(
        appendEvent(store, { type: 'account.connected', accountId: 'acc_busy2', now: T0 }),
        { name: 'StoreError', code: 'IGB_STORE_BUSY' },
      )
      await assert.rejects(
        store.db.transaction().execute(async (trx) => {
          await appendEvent(
            { db: trx, dialect: store.dialect },
            {
              type: 'account.connected',
              accountId: 'acc_busy2',
              now: T0,
            },
          )
        }),
        { code: 'IGB_STORE_BUSY' },
      )
      // Reads never need the write lock.
      assert.equal((await listEventsByAccount(store, 'acc_busy2')).items.length, 0)
    } finally {
      other.exec('commit')
    }
    // The store works again at once.
    await appendEvent(store, { type: 'account.connected', accountId: 'acc_busy2', now: T0 })
    assert.equal((await listEventsByAccount(store, 'acc_busy2')).items.length, 1)
  })
})
