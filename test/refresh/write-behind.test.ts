// The engine writes its successes behind, many to a transaction. What must not change: every token
// stored once with its event and its webhooks, and a row whose lease was taken meanwhile written as
// nothing while the rest of its batch commits.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { KyselyPlugin } from 'kysely'
import { RefreshWriteBehind } from '../../src/broker/refresh-flush.js'
import { RefreshEngine } from '../../src/broker/refresh-scheduler.js'
import { TokenRefresher } from '../../src/broker/refresh-token.js'
import type { Settled } from '../../src/broker/refresh-decide.js'
import { claimDueTokens, claimToken, getAccount, openToken } from '../../src/store/index.js'
import { DAY, startLiveRig, startReceiver } from './rig.js'
import type { LiveRig, Receiver } from './rig.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'
import type { StoreContext } from '../../src/store/index.js'

/**
 * The store, counting every statement it runs. Counted on the result, not the query: statements
 * compiled once (the flush's UPDATE) reach Kysely compiled and skip `transformQuery`.
 */
function countingStore(store: StoreContext): StoreContext & { count(): number } {
  let n = 0
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: (args) => {
      n++
      return Promise.resolve(args.result)
    },
  }
  return { db: store.db.withPlugin(plugin), dialect: store.dialect, count: () => n }
}

const SECRET = 'receiver-secret-0123456789abcdef'
const N = 40

for (const dialect of SERVICE_DIALECTS) {
  describe(`refresh write-behind [${dialect}]`, () => {
    let rig: LiveRig
    let receiver: Receiver
    before(async () => {
      rig = await startLiveRig({ dialect })
      receiver = await startReceiver(SECRET, () => rig.now())
    })
    after(async () => {
      await receiver.close()
      await rig.close()
    })

    test(`[${dialect}] a round stores each token once, with its event and webhook, in fewer than 6 statements per token`, async () => {
      const key = await rig.apiKey()
      const add = await fetch(`${rig.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, secret: SECRET, events: ['token.refreshed'] }),
      })
      assert.equal(add.status, 201)
      const ids = await rig.seed(N, { dueNow: true })
      await rig.advance(2 * DAY)
      const counted = countingStore(rig.service.store)
      const ctx = {
        ...rig.service.runtime.ctx,
        store: { ...counted, close: () => Promise.resolve() },
      }
      const refresher = new TokenRefresher(ctx, { owner: 'write-behind-test', writeBehind: {} })
      const engine = new RefreshEngine(ctx, refresher, { concurrency: 10, batchSize: 100 })
      const round = await engine.runOnce()
      assert.equal(round.outcomes.refreshed, N)
      // Before: an account read, the lease check, a read and an UPDATE, the event, the subscriber
      // lookup and the change announcement per token (8 on SQLite); now the per-token part is the
      // lease check, the UPDATE, the event, the delivery and the announcement.
      assert.ok(counted.count() < 6 * N, `${counted.count()} statements for ${N} tokens`)

      // Checked a second way, in raw SQL: one version bump, one event, one delivery per token.
      const db = rig.service.store.db
      const tokens = await sql<{ account_id: string; version: number | string; lease_owner: null }>`
        select account_id, version, lease_owner from tokens`.execute(db)
      const mine = tokens.rows.filter((r) => ids.includes(r.account_id))
      assert.equal(mine.length, N)
      for (const row of mine) {
        assert.equal(Number(row.version), 2, 'stored exactly once')
        assert.equal(row.lease_owner, null, 'the lease is given back with the write')
      }
      const events = await sql<{ n: number | string }>`
        select count(*) as n from events where type = 'token.refreshed'`.execute(db)
      assert.equal(Number(events.rows[0]?.n), N)
      const deliveries = await sql<{ n: number | string }>`
        select count(*) as n from webhook_deliveries where event_type = 'token.refreshed'`.execute(
        db,
      )
      assert.equal(Number(deliveries.rows[0]?.n), N)
    })

    test(`[${dialect}] a row whose lease was taken before its batch commits is not written; the rest of the batch is`, async () => {
      const [a, b] = await rig.seed(2, { dueNow: true })
      assert.ok(a !== undefined && b !== undefined)
      await rig.advance(2 * DAY)
      const store = rig.service.store
      const owner = 'batch-owner'
      const rows = (
        await claimDueTokens(store, { owner, now: rig.now(), leaseMs: 1_000, limit: 10 })
      ).filter((r) => r.account_id === a || r.account_id === b)
      assert.equal(rows.length, 2)
      const [kept, stolen] = rows
      assert.ok(kept && stolen)
      await rig.advance(5_000)
      assert.ok(
        await claimToken(store, {
          tokenId: stolen.id,
          owner: 'other',
          now: rig.now(),
          leaseMs: 60_000,
        }),
      )
      const writer = new RefreshWriteBehind(rig.service.runtime.ctx, owner, { maxWaitMs: 5 })
      const decision: Settled = {
        kind: 'settle',
        outcome: 'refreshed',
        actions: [
          {
            type: 'store',
            issuedAt: rig.now(),
            expiresAt: rig.now() + 60 * DAY,
            nextRefreshAt: rig.now() + 30 * DAY,
          },
          { type: 'record', event: 'token.refreshed', data: { trigger: 'schedule' } },
        ],
      }
      const results = await Promise.all(
        [kept, stolen].map(async (row) =>
          writer.add(decision, {
            row,
            account: (await getAccount(store, row.account_id)) ?? assert.fail('account'),
            accessToken: `IGAAnew${row.id}`,
            now: rig.now(),
          }),
        ),
      )
      assert.deepEqual(
        results.map((r) => r.outcome),
        ['refreshed', 'skipped'],
      )
      const after = await sql<{ id: string; version: number | string; lease_owner: string | null }>`
        select id, version, lease_owner from tokens where id in (${kept.id}, ${stolen.id})`.execute(
        store.db,
      )
      const byId = new Map(after.rows.map((r) => [r.id, r]))
      assert.equal(Number(byId.get(kept.id)?.version), kept.version + 1)
      assert.equal(
        Number(byId.get(stolen.id)?.version),
        stolen.version,
        'the stolen row is untouched',
      )
      assert.equal(byId.get(stolen.id)?.lease_owner, 'other')
      const stored = results[0]?.token
      assert.ok(stored)
      assert.equal(openToken(rig.keyring, stored).plaintext, `IGAAnew${kept.id}`)
    })
  })
}
