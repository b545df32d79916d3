// The engine's bound on what it holds: at most `batchSize + 2 × concurrency − 1` leases (a batch,
// the short queue left when it claims again, and the lanes), with its successes written behind.
// Three engines share one database and a slow Meta; raw SQL samples, all through the run, how many
// rows each owner holds, and the run fails the moment one holds more than the bound.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { KyselyPlugin } from 'kysely'
import { RefreshEngine } from '../../src/broker/refresh-scheduler.js'
import type { RoundSummary } from '../../src/broker/refresh-scheduler.js'
import { TokenRefresher } from '../../src/broker/refresh-token.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'
import { DAY, startLiveRig } from './rig.js'
import type { LiveRig } from './rig.js'
import type { StoreContext } from '../../src/store/index.js'

/** The store with one statement failing before it runs: the `nth` one whose text matches `pattern`. */
function failingStore(store: StoreContext, pattern: RegExp, nth: number): StoreContext {
  let seen = 0
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      const text = store.db.getExecutor().compileQuery(args.node, args.queryId).sql
      if (pattern.test(text) && ++seen === nth) throw new Error('the connection broke')
      return args.node
    },
    transformResult: (args) => Promise.resolve(args.result),
  }
  return { db: store.db.withPlugin(plugin), dialect: store.dialect }
}

const N = 360
const CONCURRENCY = 6
const BATCH = 20
const BOUND = BATCH + 2 * CONCURRENCY - 1
const OWNERS = ['bound-a', 'bound-b', 'bound-c']

for (const dialect of SERVICE_DIALECTS) {
  describe(`refresh engine lease bound [${dialect}]`, () => {
    let rig: LiveRig
    before(async () => {
      rig = await startLiveRig({ dialect })
    })
    after(async () => {
      await rig.close()
    })

    test(`[${dialect}] no owner ever holds more than a batch, a short queue and the lanes (${String(BOUND)}) while three engines write behind`, async () => {
      const ids = await rig.seed(N, { dueNow: true })
      await rig.advance(2 * DAY)
      // Meta answers slowly, so lanes stay busy and the claimer is asked to run ahead of them.
      await rig.emulator.control.setFaults({
        rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: 30 }],
      })
      const ctx = rig.service.runtime.ctx
      const engines = OWNERS.map(
        (owner) =>
          new RefreshEngine(ctx, new TokenRefresher(ctx, { owner, writeBehind: {} }), {
            concurrency: CONCURRENCY,
            batchSize: BATCH,
            leaseMs: 60_000,
          }),
      )
      const db = rig.service.store.db
      let peak = 0
      let samples = 0
      // A field, not a local: the rounds' callback sets it while the loop awaits.
      const state = { done: false }
      const rounds = Promise.all(engines.map((e) => e.runOnce())).finally(() => {
        state.done = true
      })
      while (!state.done) {
        // Every row an owner's name is on counts, a lapsed lease too: the bound is what it holds.
        const held = await sql<{ lease_owner: string; n: number | string }>`
          select lease_owner, count(*) as n from tokens
          where lease_owner is not null group by lease_owner`.execute(db)
        for (const row of held.rows) {
          peak = Math.max(peak, Number(row.n))
          assert.ok(
            Number(row.n) <= BOUND,
            `${row.lease_owner} holds ${String(row.n)} leases, bound ${String(BOUND)}`,
          )
        }
        samples++
        await sleep(5)
      }
      const summaries: RoundSummary[] = await rounds
      await rig.emulator.control.clearFaults()
      assert.ok(samples > 20, `sampled through the run (${String(samples)} samples)`)
      assert.ok(peak > CONCURRENCY, `the engines were busy (peak ${String(peak)})`)
      const refreshed = summaries.reduce((sum, s) => sum + (s.outcomes.refreshed ?? 0), 0)
      assert.equal(refreshed, N)
      const rows = await sql<{ account_id: string; version: number | string; lease_owner: null }>`
        select account_id, version, lease_owner from tokens`.execute(db)
      const mine = rows.rows.filter((r) => ids.includes(r.account_id))
      assert.equal(mine.length, N)
      for (const row of mine) {
        assert.equal(Number(row.version), 2, 'stored exactly once')
        assert.equal(row.lease_owner, null, 'no lease left behind')
      }
    })

    for (const [what, pattern] of [
      ['the claim', /^with "candidates" as materialized/],
      ["the batch's account read", /^select .* from "accounts" where "id" in/],
    ] as const) {
      test(`[${dialect}] when ${what} fails mid-round, the round gives back what it holds and ends with its lanes`, async () => {
        await rig.seed(30, { dueNow: true })
        await rig.advance(2 * DAY)
        const base = rig.service.runtime.ctx
        const store = { ...failingStore(base.store, pattern, 2), close: () => Promise.resolve() }
        const ctx = { ...base, store }
        const owner = `bound-fail-${what.length}`
        const refresher = new TokenRefresher(ctx, { owner, writeBehind: {} })
        const engine = new RefreshEngine(ctx, refresher, { concurrency: 4, batchSize: 10 })
        await rig.emulator.control.setFaults({
          rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: 30 }],
        })
        await assert.rejects(engine.runOnce(), /the connection broke/)
        await rig.emulator.control.clearFaults()
        assert.equal(refresher.inflight, 0, 'no refresh outlives its round')
        const held = await sql<{ n: number | string }>`
          select count(*) as n from tokens where lease_owner = ${owner}`.execute(
          rig.service.store.db,
        )
        assert.equal(Number(held.rows[0]?.n), 0, 'no lease is left behind')
        // The next round picks up what the failed one left, and the bound is kept meanwhile.
        const next = await engine.runOnce()
        assert.ok((next.outcomes.refreshed ?? 0) > 0)
      })
    }
  })
}
