import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  getTokenById,
  getToken,
  getAccount,
  listEventsByAccount,
  openToken,
} from '../../src/store/index.js'
import { BUSINESS_USER, DAY, startLiveRig, startReceiver } from './rig.js'
import type { LiveRig, Receiver } from './rig.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

const SECRET = 'receiver-secret-0123456789abcdef'

async function meWorks(rig: LiveRig, accountId: string): Promise<boolean> {
  const row = await getToken(rig.service.store, accountId, 'instagram_long_lived')
  assert.ok(row, 'the token row exists')
  const token = openToken(rig.keyring, row).plaintext
  const res = await fetch(
    `${rig.emulator.url}/graph.instagram.com/me?fields=user_id&access_token=${encodeURIComponent(token)}`,
  )
  return res.status === 200
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`refresh engine: Meta refuses the token for good [${dialect}]`, () => {
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

    test('password changed: needs_reauth, no more retries, a signed webhook, and 409 from the token API', async () => {
      const key = await rig.apiKey()
      const add = await fetch(`${rig.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: receiver.url,
          secret: SECRET,
          events: ['account.needs_reauth'],
        }),
      })
      assert.equal(add.status, 201)
      const [id] = await rig.seed(1)
      assert.ok(id)
      await rig.advance(16 * DAY)
      await rig.emulator.control.changePassword({ userId: BUSINESS_USER })
      const round = await rig.service.refresh.engine.runOnce()
      assert.equal(round.outcomes.needs_reauth, 1)
      const account = await getAccount(rig.service.store, id)
      assert.equal(account?.status, 'needs_reauth')
      const row = await getToken(rig.service.store, id, 'instagram_long_lived')
      assert.equal(row?.next_refresh_at, null, 'no retry is scheduled')

      // Nothing more reaches Meta for it, however much time passes.
      const seq = (await rig.emulator.control.requests()).at(-1)?.seq ?? 0
      await rig.advance(3 * DAY)
      await rig.service.refresh.engine.runOnce()
      const later = await rig.emulator.control.requests({
        endpoint: 'ig.refresh_access_token',
        sinceSeq: seq,
      })
      assert.equal(later.length, 0)

      await rig.service.refresh.deliveries.runOnce()
      assert.equal(receiver.received.length, 1)
      const delivery = receiver.received[0]
      assert.ok(delivery)
      assert.equal(delivery.verified, true, 'the signature verifies with the subscriber secret')
      assert.equal(delivery.event.type, 'account.needs_reauth')
      assert.equal(delivery.event.account.id, id)
      assert.equal(delivery.event.account.status, 'needs_reauth')
      assert.ok(row)
      const stored = openToken(rig.keyring, row).plaintext
      assert.ok(!delivery.body.includes(stored), 'the payload never carries the token')

      const res = await fetch(`${rig.url}/api/v1/accounts/${id}/token`, {
        headers: { authorization: `Bearer ${key}` },
      })
      assert.equal(res.status, 409)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'needs_reauth')
      const events = await listEventsByAccount(rig.service.store, id)
      assert.ok(events.items.some((e) => e.type === 'account.needs_reauth'))
    })
  })

  describe(`refresh engine: 200 simulated days [${dialect}]`, () => {
    let rig: LiveRig
    before(async () => {
      rig = await startLiveRig({ dialect })
    })
    after(async () => {
      await rig.close()
    })

    test('every token stays valid every day, refreshed no more often than the policy allows', async () => {
      const ids = await rig.seed(3)
      const fingerprints = new Map<string, Set<string>>()
      for (let day = 1; day <= 200; day++) {
        await rig.advance(DAY)
        await rig.service.refresh.engine.runOnce()
        for (const id of ids) {
          assert.ok(await meWorks(rig, id), `account ${id} has a working token on day ${day}`)
          const row = await getToken(rig.service.store, id, 'instagram_long_lived')
          assert.ok(row !== undefined && row.expires_at !== null)
          assert.ok(row.expires_at - rig.now() > 40 * DAY, `more than 40 days left on day ${day}`)
          const seen = fingerprints.get(id) ?? new Set<string>()
          seen.add(String(row.version))
          fingerprints.set(id, seen)
        }
      }
      const refreshes = await rig.emulator.control.requests({ endpoint: 'ig.refresh_access_token' })
      assert.ok(
        refreshes.every((r) => r.status === 200),
        'no refresh was refused',
      )
      for (const id of ids) {
        const row = await getToken(rig.service.store, id, 'instagram_long_lived')
        const refreshed = (row?.version ?? 1) - 1
        // Due 15 days (+ up to 12 h of jitter) after each refresh, looked at once a day.
        assert.ok(refreshed >= Math.floor(200 / 16), `${id} refreshed ${refreshed} times`)
        assert.ok(refreshed <= Math.floor(200 / 15) + 1, `${id} refreshed ${refreshed} times`)
      }
      assert.ok(refreshes.length <= ids.length * (Math.floor(200 / 15) + 1))
      const tokenIds = await Promise.all(
        ids.map(
          async (id) => (await getToken(rig.service.store, id, 'instagram_long_lived'))?.id ?? '',
        ),
      )
      for (const tokenId of tokenIds) {
        const row = await getTokenById(rig.service.store, tokenId)
        assert.equal(row?.attempts, 0)
      }
    })
  })
}
