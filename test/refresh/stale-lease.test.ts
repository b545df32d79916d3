// A token claimed by the engine may wait in its queue until the lease runs out and another
// process takes it. The routine must then step aside rather than call Meta a second time.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { claimDueTokens, claimToken } from '../../src/store/index.js'
import { DAY, startLiveRig } from './rig.js'
import type { LiveRig } from './rig.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

for (const dialect of SERVICE_DIALECTS) {
  describe(`stale leases [${dialect}]`, () => {
    let rig: LiveRig
    before(async () => {
      rig = await startLiveRig({ dialect })
    })
    after(async () => {
      await rig.close()
    })

    async function refreshCalls(sinceSeq: number): Promise<number> {
      return (
        await rig.emulator.control.requests({ endpoint: 'ig.refresh_access_token', sinceSeq })
      ).length
    }

    test(`[${dialect}] a claim whose lease ran out and was taken by another process is skipped, with no call to Meta`, async () => {
      await rig.seed(1, { dueNow: true })
      await rig.advance(2 * DAY)
      const refresher = rig.service.refresh.refresher
      const store = rig.service.store
      const [row] = await claimDueTokens(store, {
        owner: refresher.owner,
        now: rig.now(),
        leaseMs: 1_000,
        limit: 10,
      })
      assert.ok(row)
      await rig.advance(5_000)
      const other = await claimToken(store, {
        tokenId: row.id,
        owner: 'other-process',
        now: rig.now(),
        leaseMs: 60_000,
      })
      assert.ok(other, 'the lapsed lease can be taken')
      const seq = (await rig.emulator.control.requests()).at(-1)?.seq ?? 0
      const result = await refresher.processClaimed(row)
      assert.equal(result.outcome, 'skipped')
      assert.equal(await refreshCalls(seq), 0)
    })

    test(`[${dialect}] a second copy of a claimed row, its lease still fresh, finds the token refreshed and does not call Meta`, async () => {
      await rig.seed(1, { dueNow: true })
      await rig.advance(2 * DAY)
      const refresher = rig.service.refresh.refresher
      const [row] = await claimDueTokens(rig.service.store, {
        owner: refresher.owner,
        now: rig.now(),
        leaseMs: 60_000,
        limit: 10,
      })
      assert.ok(row)
      const seq = (await rig.emulator.control.requests()).at(-1)?.seq ?? 0
      assert.equal((await refresher.processClaimed(row)).outcome, 'refreshed')
      // The same in-memory row again (as when the engine claimed it twice): its lease looks fresh.
      const again = await refresher.processClaimed(row)
      assert.equal(again.outcome, 'skipped')
      assert.equal(again.token?.version, row.version + 1, 'it reports the stored, newer token')
      assert.equal(await refreshCalls(seq), 1, 'Meta was called once')
    })

    test(`[${dialect}] a claim whose lease ran out but nobody took is renewed and refreshed once`, async () => {
      await rig.seed(1, { dueNow: true })
      await rig.advance(2 * DAY)
      const refresher = rig.service.refresh.refresher
      const [row] = await claimDueTokens(rig.service.store, {
        owner: refresher.owner,
        now: rig.now(),
        leaseMs: 1_000,
        limit: 10,
      })
      assert.ok(row)
      await rig.advance(5_000)
      const seq = (await rig.emulator.control.requests()).at(-1)?.seq ?? 0
      const result = await refresher.processClaimed(row)
      assert.equal(result.outcome, 'refreshed')
      assert.equal(await refreshCalls(seq), 1)
    })
  })
}
