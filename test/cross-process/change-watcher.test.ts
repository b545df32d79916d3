import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { startChangeWatcher } from '../../src/broker/cache/index.js'
import { ChangeHub, inTransaction } from '../../src/broker/effects/index.js'
import type { Change } from '../../src/broker/effects/index.js'
import { announceChanges, watchStoreChanges } from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'
import { TEST_DIALECTS } from '../store/dialects.js'
import { within } from './until.js'

/** What a hub heard. */
function listen(hub: ChangeHub): Change[] {
  const heard: Change[] = []
  hub.subscribe((change) => heard.push(change))
  return heard
}

/** A second process, as far as the database can tell: its own connection and its own hub. */
function otherProcess(store: Store) {
  return { store, changes: new ChangeHub(), now: Date.now }
}

async function countChanges(store: Store): Promise<number> {
  const { rows } = await sql<{
    n: number | string
  }>`select count(*) as n from store_changes`.execute(store.db)
  return Number(rows[0]?.n)
}

for (const dialect of TEST_DIALECTS) {
  describe(`change watcher [${dialect.name}]`, () => {
    test("another process's committed changes reach this hub within a second; its own are not repeated", async () => {
      const t = await dialect.setup()
      const hub = new ChangeHub()
      const watcher = await startChangeWatcher(t.store, hub)
      try {
        const heard = listen(hub)
        const other = otherProcess(await t.openAnother())
        await inTransaction(other, (unit) => {
          unit.invalidate({ kind: 'api-key', keyId: 'key_1' })
          unit.invalidate({ kind: 'feed', feedId: 'feed_1' })
          unit.invalidate({ kind: 'api-key', keyId: 'key_1' })
          return Promise.resolve()
        })
        const took = await within(1_000, () => heard.length >= 2, 'the other process’s changes')
        assert.ok(took <= 1_000)
        assert.deepEqual(heard, [
          { kind: 'api-key', keyId: 'key_1' },
          { kind: 'feed', feedId: 'feed_1' },
        ])

        // This process's own change: published once, at commit, not again by the watcher.
        await inTransaction({ store: t.store, changes: hub, now: Date.now }, (unit) => {
          unit.invalidate({ kind: 'account', accountId: 'acc_own' })
          return Promise.resolve()
        })
        // A marker from the other process proves the watcher has read past the own change.
        await inTransaction(other, (unit) => {
          unit.invalidate({ kind: 'all' })
          return Promise.resolve()
        })
        await within(1_000, () => heard.some((c) => c.kind === 'all'), 'the marker')
        assert.deepEqual(heard.slice(2), [
          { kind: 'account', accountId: 'acc_own' },
          { kind: 'all' },
        ])
      } finally {
        await watcher.stop()
        await t.cleanup()
      }
    })

    test('a rolled-back transaction announces nothing', async () => {
      const t = await dialect.setup()
      const hub = new ChangeHub()
      const watcher = await startChangeWatcher(t.store, hub)
      try {
        const heard = listen(hub)
        const other = otherProcess(await t.openAnother())
        await assert.rejects(
          inTransaction(other, (unit) => {
            unit.invalidate({ kind: 'api-key', keyId: 'key_rolled_back' })
            return Promise.reject(new Error('the use case failed'))
          }),
          /the use case failed/,
        )
        await inTransaction(other, (unit) => {
          unit.invalidate({ kind: 'feed', feedId: 'feed_marker' })
          return Promise.resolve()
        })
        await within(1_000, () => heard.length > 0, 'the marker')
        assert.deepEqual(heard, [{ kind: 'feed', feedId: 'feed_marker' }])
        if (dialect.name === 'sqlite') assert.equal(await countChanges(t.store), 1)
      } finally {
        await watcher.stop()
        await t.cleanup()
      }
    })

    test('bad input is refused and writes nothing', async () => {
      const t = await dialect.setup()
      try {
        const now = Date.now()
        for (const input of [
          { origin: '', changes: [{ kind: 'all', ref: null }], now },
          { origin: 'has space', changes: [{ kind: 'all', ref: null }], now },
          { origin: 'p1', changes: [{ kind: 'accounts', ref: 'acc_1' }], now },
          { origin: 'p1', changes: [{ kind: 'account', ref: null }], now },
          { origin: 'p1', changes: [{ kind: 'account', ref: '' }], now },
          { origin: 'p1', changes: [{ kind: 'all', ref: 'acc_1' }], now },
          { origin: 'p1', changes: [{ kind: 'feed', ref: 'f'.repeat(201) }], now },
          { origin: 'p1', changes: 'all', now },
          { origin: 'p1', changes: [{ kind: 'all', ref: null }], now: -1 },
        ]) {
          await assert.rejects(
            announceChanges(t.store, input as never),
            (e: unknown) => e instanceof TypeError && 'code' in e,
            JSON.stringify(input),
          )
        }
        assert.equal(await countChanges(t.store), 0)
        for (const options of [{ pollMs: 0 }, { pollMs: 1.5 }, { checkMs: -5 }, { pollMs: 1e9 }]) {
          await assert.rejects(
            watchStoreChanges(
              t.store,
              { onChanges: () => undefined, onGap: () => undefined },
              options,
            ),
            /must be a whole number of ms/,
            JSON.stringify(options),
          )
        }
      } finally {
        await t.cleanup()
      }
    })

    if (dialect.name === 'sqlite') {
      test('changes pruned before the watcher read them: everything is forgotten (all)', async () => {
        const t = await dialect.setup()
        const hub = new ChangeHub()
        // A slow poll, so the rows can be pruned before it reads them.
        const watcher = await startChangeWatcher(t.store, hub, { pollMs: 2_000 })
        try {
          const heard = listen(hub)
          const other = otherProcess(await t.openAnother())
          for (const keyId of ['key_a', 'key_b', 'key_c']) {
            await inTransaction(other, (unit) => {
              unit.invalidate({ kind: 'api-key', keyId })
              return Promise.resolve()
            })
          }
          await sql`delete from store_changes where seq < 3`.execute(other.store.db)
          await within(3_000, () => heard.length > 0, 'the watcher’s next poll')
          assert.deepEqual(heard, [{ kind: 'all' }, { kind: 'api-key', keyId: 'key_c' }])
        } finally {
          await watcher.stop()
          await t.cleanup()
        }
      })

      test('old changes are pruned by the writers, the newest always stays', async () => {
        const t = await dialect.setup()
        try {
          const long = Date.now() - 3_600_000
          await announceChanges(t.store, {
            origin: 'p1',
            changes: [
              { kind: 'all', ref: null },
              { kind: 'feed', ref: 'f1' },
            ],
            now: long,
          })
          await announceChanges(t.store, {
            origin: 'p1',
            changes: [{ kind: 'feed', ref: 'f2' }],
            now: Date.now(),
          })
          const { rows } = await sql<{
            seq: number
            ref: string | null
          }>`select seq, ref from store_changes order by seq`.execute(t.store.db)
          assert.deepEqual(rows, [{ seq: 3, ref: 'f2' }])
        } finally {
          await t.cleanup()
        }
      })
    }

    if (dialect.name === 'postgres') {
      test('a lost LISTEN connection is reopened, and everything is forgotten (all)', async () => {
        const t = await dialect.setup()
        const hub = new ChangeHub()
        const errors: unknown[] = []
        const watcher = await startChangeWatcher(t.store, hub, {
          checkMs: 200,
          onError: (e) => errors.push(e),
        })
        try {
          const heard = listen(hub)
          const killed = await sql<{ ok: boolean }>`select pg_terminate_backend(pid) as ok
            from pg_stat_activity
            where application_name = 'igtoken-changes' and datname = current_database()`.execute(
            t.store.db,
          )
          assert.deepEqual(
            killed.rows.map((r) => r.ok),
            [true],
          )
          await within(2_000, () => heard.some((c) => c.kind === 'all'), 'all after reconnect')
          assert.ok(errors.length > 0, 'the loss was reported')
          // And the new connection hears the next change.
          const other = otherProcess(await t.openAnother())
          await inTransaction(other, (unit) => {
            unit.invalidate({ kind: 'feed', feedId: 'feed_after' })
            return Promise.resolve()
          })
          await within(1_000, () => heard.some((c) => c.kind === 'feed'), 'a change after it')
        } finally {
          await watcher.stop()
          await t.cleanup()
        }
      })
    }
  })
}
