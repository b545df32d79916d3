// The refresh's lease while Meta is slow: a heartbeat keeps it (nobody else can claim the token
// however long the call takes), the final write is fenced by it (a holder that lost it stores
// nothing and tells nobody), and every outcome's event and webhook are written with the change
// and published on the process's change hub after the commit. Checked with raw SQL.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import { createBrokerContext } from '../../src/broker/context.js'
import { ChangeHub } from '../../src/broker/effects/index.js'
import type { Change } from '../../src/broker/effects/index.js'
import { TokenRefresher } from '../../src/broker/refresh-token.js'
import { loadConfig } from '../../src/config.js'
import { DEMO_APP } from '../../src/emulator/index.js'
import { claimToken, createWebhookSubscriber, getToken } from '../../src/store/index.js'
import type { TokenRow } from '../../src/store/index.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'
import { waitFor } from '../helpers/wait-for.js'
import { BUSINESS_USER, DAY, startLiveRig } from './rig.js'
import type { LiveRig } from './rig.js'

for (const dialect of SERVICE_DIALECTS) {
  describe(`refresh lease: heartbeat, fence and outbox [${dialect}]`, () => {
    let rig: LiveRig
    const changes: Change[] = []
    let refresher: (leaseMs: number) => TokenRefresher

    before(async () => {
      rig = await startLiveRig({ dialect })
      const hub = new ChangeHub()
      hub.subscribe((change) => changes.push(change))
      const ctx = createBrokerContext(loadConfig(rig.env, { envFile: false }), {
        store: rig.service.store,
        keyring: rig.keyring,
        appId: DEMO_APP.instagramAppId,
        appSecret: DEMO_APP.instagramAppSecret,
        emulatorUrl: rig.emulator.url,
        callbackSecrets: [],
        now: () => rig.now(),
        changes: hub,
      })
      refresher = (leaseMs) => new TokenRefresher(ctx, { owner: 'test-holder', leaseMs })
      await createWebhookSubscriber(rig.service.store, rig.keyring, {
        url: 'http://127.0.0.1:9/hooks',
        secret: 'subscriber-secret-0123456789',
        events: ['*'],
        now: rig.now(),
      })
    })
    after(async () => {
      await rig.emulator.control.clearFaults()
      await rig.close()
    })

    async function seeded(): Promise<TokenRow> {
      const [id] = await rig.seed(1, { dueNow: true })
      assert.ok(id)
      await rig.advance(2 * DAY)
      const row = await getToken(rig.service.store, id, 'instagram_long_lived')
      assert.ok(row)
      return row
    }

    async function refreshCalls(sinceSeq: number): Promise<number> {
      const calls = await rig.emulator.control.requests({
        endpoint: 'ig.refresh_access_token',
        sinceSeq,
      })
      return calls.length
    }

    async function lastSeq(): Promise<number> {
      return (await rig.emulator.control.requests()).at(-1)?.seq ?? 0
    }

    async function rawToken(id: string) {
      return rig.service.store.db
        .selectFrom('tokens')
        .select(['version', 'lease_owner', 'lease_until', 'expires_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    }

    async function rawEffects(accountId: string) {
      const events = await rig.service.store.db
        .selectFrom('events')
        .select(['id', 'type', 'detail'])
        .where('account_id', '=', accountId)
        .execute()
      const deliveries = await rig.service.store.db
        .selectFrom('webhook_deliveries')
        .select(['event_type', 'payload'])
        .execute()
      return {
        events,
        deliveries: deliveries.filter(
          (d) => (JSON.parse(d.payload) as { account: { id: string } }).account.id === accountId,
        ),
      }
    }

    test(`[${dialect}] a call to Meta lasting three leases: the heartbeat keeps the lease, nobody else can claim, one call`, async () => {
      const row = await seeded()
      await rig.emulator.control.setFaults({
        rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: 2_400 }],
      })
      const seq = await lastSeq()
      const running = refresher(800).refreshNow(row, 'operator')
      let probes = 0
      const deadline = Date.now() + 2_000
      while (Date.now() < deadline) {
        await sleep(150)
        const lease = await rawToken(row.id)
        if (lease.version !== row.version) break
        assert.equal(lease.lease_owner, 'test-holder', 'the holder still holds the lease')
        assert.ok((lease.lease_until ?? 0) > rig.now(), 'the lease has not run out')
        const stolen = await claimToken(rig.service.store, {
          tokenId: row.id,
          owner: 'other-process',
          now: rig.now(),
          leaseMs: 60_000,
        })
        assert.equal(stolen, undefined, 'another claimer cannot take it mid-call')
        probes++
      }
      const result = await running
      await rig.emulator.control.clearFaults()
      assert.ok(probes >= 8, `probed the lease while the call ran (${String(probes)})`)
      assert.equal(result.outcome, 'refreshed')
      assert.equal(await refreshCalls(seq), 1, 'Meta was called once')
      const stored = await rawToken(row.id)
      assert.equal(stored.version, row.version + 1)
      assert.equal(stored.lease_owner, null, 'the lease is given back with the write')
    })

    test(`[${dialect}] a holder whose lease was taken mid-call stores nothing, records nothing and publishes nothing`, async () => {
      const row = await seeded()
      await rig.emulator.control.setFaults({
        rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: 1_500 }],
      })
      const seq = await lastSeq()
      changes.length = 0
      const running = refresher(800).refreshNow(row, 'operator')
      // Stolen before the call reached Meta, the holder's own renewal would skip the call.
      await waitFor(
        'the refresh call to be in flight at Meta',
        async () =>
          (await rig.emulator.control.requestsInFlight({ endpoint: 'ig.refresh_access_token' }))
            .length === 1,
        10_000,
      )
      // As if this holder had been starved past its lease and another instance took it.
      const takenUntil = rig.now() + 60_000
      await rig.service.store.db
        .updateTable('tokens')
        .set({ lease_owner: 'other-process', lease_until: takenUntil })
        .where('id', '=', row.id)
        .execute()
      const result = await running
      await rig.emulator.control.clearFaults()
      assert.equal(await refreshCalls(seq), 1, 'Meta answered the first holder')
      assert.equal(result.outcome, 'skipped')
      const stored = await rawToken(row.id)
      assert.equal(stored.version, row.version, 'no token was stored')
      assert.equal(stored.lease_owner, 'other-process', 'the new holder keeps the lease')
      assert.equal(Number(stored.lease_until), takenUntil, 'no heartbeat took it back')
      const { events, deliveries } = await rawEffects(row.account_id)
      assert.deepEqual(events, [], 'no event')
      assert.deepEqual(deliveries, [], 'no webhook')
      assert.deepEqual(changes, [], 'nothing published')
    })

    test(`[${dialect}] a refresh writes its event and webhook with the token (ISO instants) and publishes the account`, async () => {
      const row = await seeded()
      changes.length = 0
      const result = await refresher(60_000).refreshNow(row, 'operator')
      assert.equal(result.outcome, 'refreshed')
      const stored = await rawToken(row.id)
      const { events, deliveries } = await rawEffects(row.account_id)
      assert.equal(events.length, 1)
      const [event] = events
      assert.ok(event)
      assert.equal(event.type, 'token.refreshed')
      const detail = JSON.parse(event.detail) as Record<string, unknown>
      assert.equal(detail['expires_at'], new Date(Number(stored.expires_at)).toISOString())
      assert.equal(detail['trigger'], 'operator')
      assert.equal(deliveries.length, 1)
      const body = JSON.parse(deliveries[0]?.payload ?? '{}') as {
        id: string
        type: string
        data: Record<string, unknown>
      }
      assert.equal(body.id, event.id, 'the webhook carries the event it was recorded with')
      assert.equal(body.type, 'token.refreshed')
      assert.deepEqual(body.data, detail)
      assert.deepEqual(changes, [{ kind: 'account', accountId: row.account_id }])
    })

    test(`[${dialect}] Meta refuses the token: needs_reauth, its event and webhook, and the hub hears it`, async () => {
      const row = await seeded()
      await rig.emulator.control.changePassword({ userId: BUSINESS_USER })
      changes.length = 0
      const result = await refresher(60_000).refreshNow(row, 'operator')
      assert.equal(result.outcome, 'needs_reauth')
      const account = await rig.service.store.db
        .selectFrom('accounts')
        .select('status')
        .where('id', '=', row.account_id)
        .executeTakeFirstOrThrow()
      assert.equal(account.status, 'needs_reauth')
      const { events, deliveries } = await rawEffects(row.account_id)
      assert.deepEqual(
        events.map((e) => e.type),
        ['account.needs_reauth'],
      )
      assert.deepEqual(
        deliveries.map((d) => d.event_type),
        ['account.needs_reauth'],
      )
      const body = JSON.parse(deliveries[0]?.payload ?? '{}') as { account: { status: string } }
      assert.equal(body.account.status, 'needs_reauth', 'the payload shows the new status')
      assert.deepEqual(changes, [{ kind: 'account', accountId: row.account_id }])
      assert.equal((await rawToken(row.id)).lease_owner, null)
    })
  })
}
