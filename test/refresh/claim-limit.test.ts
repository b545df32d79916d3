// A claim leases at most `limit` rows, whatever plan the database picks. The trap it guards against:
// on PostgreSQL `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` may be planned
// as a nested loop that runs the sub-select again for each due row; each run skips the rows this
// very statement has just updated and returns the next n, so the claim takes every due row. The
// planner picks that plan when its statistics say almost nothing is due — as they do when a table
// of tokens refreshed days ago meets a burst of newly due ones (the multi-instance SIGKILL test
// found one instance holding 1,264 of 1,400 due rows with a batch of 40).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { claimDueTokens, saveToken } from '../../src/store/index.js'
import { DAY, T0, TEST_DIALECTS, fakeToken } from '../store/dialects.js'
import { keyringK1, makeAccount } from '../store/fixtures.js'

const ring = keyringK1()

for (const dialect of TEST_DIALECTS) {
  describe(`the due-token claim's limit [${dialect.name}]`, () => {
    test(`[${dialect.name}] a claim of 10 leases 10 rows when statistics say nothing is due`, async () => {
      const t = await dialect.setup()
      try {
        const ids: string[] = []
        for (let i = 0; i < 400; i++) {
          const accountId = await makeAccount(t.store, T0)
          const saved = await saveToken(t.store, ring, {
            accountId,
            kind: 'instagram_long_lived',
            accessToken: fakeToken(),
            issuedAt: T0,
            expiresAt: T0 + 60 * DAY,
            nextRefreshAt: T0 + 30 * DAY,
            expectedVersion: null,
            now: T0,
          })
          assert.ok(saved.saved)
          ids.push(saved.token.id)
        }
        // Statistics taken while nothing is due; then a burst becomes due, unseen by them.
        await sql`analyze`.execute(t.store.db)
        await t.store.db
          .updateTable('tokens')
          .set({ next_refresh_at: T0 })
          .where('id', 'in', ids.slice(0, 200))
          .execute()

        const claimed = await claimDueTokens(t.store, {
          owner: 'limit-test',
          now: T0 + DAY,
          leaseMs: 60_000,
          limit: 10,
        })
        assert.equal(claimed.length, 10)
        const leased = await sql<{ n: number | string }>`
          select count(*) as n from tokens where lease_owner = 'limit-test'`.execute(t.store.db)
        assert.equal(Number(leased.rows[0]?.n), 10, 'raw SQL: ten rows leased')
      } finally {
        await t.cleanup()
      }
    })
  })
}
