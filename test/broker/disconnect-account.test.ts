import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ChangeHub } from '../../src/broker/effects/index.js'
import type { Change } from '../../src/broker/effects/index.js'
import { DEMO_APP } from '../../src/emulator/index.js'
import { runCli } from '../cli/cli-process.js'
import { PASSWORD, csrfOf, signIn, visit } from '../dashboard/harness.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { startReceiver } from '../refresh/rig.js'
import type { Receiver } from '../refresh/rig.js'

// Every way an account can be removed must leave the same traces: the rows gone (or revoked),
// one event, one webhook delivery written with it, the token API and the public feed refusing it.
const USER = '17841405793187218'
const SECRET = 'disconnect-table-secret-0123456789'

type Remove = (svc: TestService, ctx: Rig, accountId: string) => Promise<void>

interface Rig {
  readonly key: string
  readonly cliEnv: Record<string, string>
}

interface Entry {
  readonly reason: string
  readonly remove: Remove
  /** `revoked`: the account row stays, revoked; `deleted`: the row is gone. */
  readonly outcome: 'deleted' | 'revoked'
  /** Every row naming the person goes, the event included (data-deletion requests). */
  readonly purge: boolean
  /** Removed by another process: this service hears of it only through the change watcher. */
  readonly otherProcess: boolean
}

async function dashboardForm(svc: TestService, page: string, action: string, form = {}) {
  const jar = await signIn(svc.url)
  const { html } = await visit(jar, `${svc.url}/dashboard${page}`)
  const done = await visit(jar, `${svc.url}/dashboard${action}`, {
    form: { _csrf: csrfOf(html), ...form },
  })
  assert.ok([201, 303].includes(done.response.status), `${action}: ${done.response.status}`)
}

const ENTRIES: readonly Entry[] = [
  {
    reason: 'api',
    outcome: 'deleted',
    purge: false,
    otherProcess: false,
    async remove(svc, rig, id) {
      const res = await fetch(`${svc.url}/api/v1/accounts/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${rig.key}` },
      })
      assert.equal(res.status, 204)
    },
  },
  {
    reason: 'dashboard',
    outcome: 'deleted',
    purge: false,
    otherProcess: false,
    remove: (svc, _rig, id) => dashboardForm(svc, `/accounts/${id}`, `/accounts/${id}/disconnect`),
  },
  {
    reason: 'cli',
    outcome: 'deleted',
    purge: false,
    otherProcess: true,
    async remove(_svc, rig, id) {
      const r = await runCli(['accounts', 'delete', id, '--yes', '--json'], rig.cliEnv)
      assert.equal(r.code, 0, r.stderr)
      assert.deepEqual(JSON.parse(r.stdout), { id, deleted: true })
    },
  },
  {
    reason: 'manual_deletion',
    outcome: 'deleted',
    purge: true,
    otherProcess: false,
    remove: (svc, _rig, id) => dashboardForm(svc, '/deletions', '/deletions', { account_id: id }),
  },
  {
    reason: 'deauthorize',
    outcome: 'revoked',
    purge: false,
    otherProcess: false,
    async remove(svc) {
      const { callbacks } = await svc.control.revoke({
        userId: USER,
        appId: DEMO_APP.instagramAppId,
      })
      assert.equal(callbacks[0]?.status, 200, JSON.stringify(callbacks))
    },
  },
  {
    reason: 'data_deletion',
    outcome: 'deleted',
    purge: true,
    otherProcess: false,
    async remove(svc) {
      const { callbacks } = await svc.control.deleteData({
        userId: USER,
        appId: DEMO_APP.instagramAppId,
      })
      assert.equal(callbacks[0]?.verdict, 'ok', JSON.stringify(callbacks))
    },
  },
]

for (const dialect of SERVICE_DIALECTS) {
  describe(`every removal entry point has the same effects [${dialect}]`, () => {
    let svc: TestService
    let receiver: Receiver
    let rig: Rig
    const published: Change[] = []

    before(async () => {
      const changes = new ChangeHub()
      changes.subscribe((change) => published.push(change))
      svc = await startTestService(
        { IGTOKEN_REFRESH_ENABLED: 'false', IGTOKEN_ADMIN_PASSWORD: PASSWORD },
        { dialect, changes },
      )
      receiver = await startReceiver(SECRET, () => svc.now())
      const key = await svc.apiKey()
      const hook = await fetch(`${svc.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, secret: SECRET }),
      })
      assert.equal(hook.status, 201)
      rig = {
        key,
        cliEnv: {
          IGTOKEN_DATA_DIR: svc.dataDir,
          IGTOKEN_CONFIG_DIR: join(svc.dataDir, 'config'),
          IGTOKEN_DATABASE_URL: svc.databaseUrl,
          IGTOKEN_DEMO: 'true',
        },
      }
    })
    after(async () => {
      await receiver.close()
      await svc.close()
    })

    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${svc.url}/api/v1${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${rig.key}`,
          'content-type': 'application/json',
          ...(init.headers as Record<string, string> | undefined),
        },
      })

    /** Connects the user, publishes a feed, and reads both once so the caches hold them. */
    async function connectWithFeed(): Promise<{ accountId: string; feedId: string }> {
      const done = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId: USER }),
      )
      assert.equal(done.response.status, 200)
      const row = await svc.service.store.db
        .selectFrom('accounts')
        .select('id')
        .where('ig_user_id', '=', USER)
        .executeTakeFirstOrThrow()
      const created = await api('/feeds', {
        method: 'POST',
        body: JSON.stringify({ account_id: row.id, limit: 2 }),
      })
      assert.equal(created.status, 201)
      const feedId = ((await created.json()) as { id: string }).id
      assert.equal((await api(`/accounts/${row.id}/token`)).status, 200)
      assert.equal((await fetch(`${svc.url}/feeds/${feedId}.json`)).status, 200)
      return { accountId: row.id, feedId }
    }

    for (const entry of ENTRIES) {
      test(`${entry.reason}: rows, event, webhook, token API and public feed`, async (t) => {
        const { accountId, feedId } = await connectWithFeed()
        const db = svc.service.store.db
        const metaUserId = (
          await db
            .selectFrom('accounts')
            .select('meta_user_id')
            .where('id', '=', accountId)
            .executeTakeFirstOrThrow()
        ).meta_user_id
        published.length = 0

        await entry.remove(svc, rig, accountId)

        // Rows, read back with plain SQL.
        const account = await db
          .selectFrom('accounts')
          .select(['status'])
          .where('id', '=', accountId)
          .executeTakeFirst()
        if (entry.outcome === 'revoked') assert.equal(account?.status, 'revoked')
        else assert.equal(account, undefined, 'the account row is gone')
        const tokens = await db
          .selectFrom('tokens')
          .select('id')
          .where('account_id', '=', accountId)
          .execute()
        assert.equal(tokens.length, 0, 'no token is left')
        const feeds = await sql<{ id: string }>`select id from feeds where id = ${feedId}`.execute(
          db,
        )
        assert.equal(feeds.rows.length, 0, 'the feed is unpublished')

        // One event, and the webhook delivery the same record() wrote (its payload id is the event's).
        const type = entry.outcome === 'revoked' ? 'account.revoked' : 'account.deleted'
        const events = await db
          .selectFrom('events')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('type', '=', type)
          .execute()
        assert.equal(events.length, 1, `one ${type} event`)
        const event = events[0]
        assert.ok(event, 'the event exists')
        assert.equal((JSON.parse(event.detail) as { source?: string }).source, entry.reason)
        assert.equal(event.meta_user_id, entry.purge ? null : metaUserId)
        if (entry.purge) {
          const naming = await db
            .selectFrom('events')
            .select('id')
            .where('meta_user_id', '=', metaUserId)
            .execute()
          assert.equal(naming.length, 0, 'no event names the person any more')
          const request = await db
            .selectFrom('deletion_requests')
            .selectAll()
            .where('meta_user_id', '=', metaUserId)
            .orderBy('requested_at', 'desc')
            .executeTakeFirstOrThrow()
          assert.equal(request.status, 'completed')
          assert.equal(request.source, entry.reason === 'data_deletion' ? 'meta' : 'manual')
        }
        const deliveries = await db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('event_type', '=', type)
          .execute()
        const mine = deliveries.filter(
          (d) => (JSON.parse(d.payload) as { account: { id: string } }).account.id === accountId,
        )
        const delivery = mine.find((d) => (JSON.parse(d.payload) as { id: string }).id === event.id)
        assert.ok(delivery, 'a webhook delivery carries the event id')
        assert.equal(delivery.created_at, event.created_at, 'written in the same record()')

        // Another process's removal reaches this service's hub and caches through the store
        // change watcher, within the documented second; this process's own at once.
        const within = entry.otherProcess ? 2000 : 0
        await t.test('the hub was told after the commit', () =>
          eventually(within, () => {
            assert.ok(
              published.some((c) => c.kind === 'account' && c.accountId === accountId),
              'the account change was published',
            )
            assert.ok(
              published.some((c) => c.kind === 'feed' && c.feedId === feedId),
              'the feed change was published',
            )
          }),
        )
        await t.test(
          'the token API and the public feed refuse it (another process: within a second)',
          () =>
            eventually(within, async () => {
              const token = await api(`/accounts/${accountId}/token`)
              assert.equal(token.status, entry.outcome === 'revoked' ? 409 : 404)
              const body = (await token.json()) as { error: { code: string } }
              assert.equal(
                body.error.code,
                entry.outcome === 'revoked' ? 'account_inactive' : 'not_found',
              )
              const feed = await fetch(`${svc.url}/feeds/${feedId}.json`)
              assert.equal(feed.status, 404, 'not a cached or stale copy')
            }),
        )
      })
    }

    test('an unknown account id is a 404 everywhere and changes nothing', async () => {
      const before = await svc.service.store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      const res = await fetch(`${svc.url}/api/v1/accounts/acc_nope`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${rig.key}` },
      })
      assert.equal(res.status, 404)
      const r = await runCli(['accounts', 'delete', 'acc_nope', '--yes', '--json'], rig.cliEnv)
      assert.equal(r.code, 1)
      const after = await svc.service.store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      assert.equal(String(after.n), String(before.n))
    })
  })
}

/** Runs `check` until it passes or `ms` have gone by (then its last failure is the test's). */
async function eventually(ms: number, check: () => unknown): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() >= until) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
