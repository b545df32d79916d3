import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ChangeHub } from '../../src/broker/effects/index.js'
import type { Change } from '../../src/broker/effects/index.js'
import { DEMO_APP } from '../../src/emulator/index.js'
import { authorizationUrlOf, startCli } from '../cli/cli-process.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { startReceiver } from '../refresh/rig.js'
import type { Receiver } from '../refresh/rig.js'

// `/callback` and `igtoken login --save` are two doors to one writer: the same rows, the same
// ig_user_id, the same event and webhook, whichever door a person takes.
const BUSINESS = '17841405793187218'
const CREATOR = '17841405822304914'
const SECRET = 'connect-table-secret-0123456789'

interface Door {
  readonly via: 'connect' | 'cli'
  /** Connects the emulator user; returns whether the service said the account was new. */
  enter(svc: TestService, userId: string): Promise<boolean>
  readonly otherProcess: boolean
}

const DOORS: readonly Door[] = [
  {
    via: 'connect',
    otherProcess: false,
    async enter(svc, userId) {
      const done = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(done.response.status, 200)
      return /Account connected/.test(await done.response.text())
    },
  },
  {
    via: 'cli',
    otherProcess: true,
    async enter(svc, userId) {
      const env = {
        IGTOKEN_META_EMULATOR_URL: svc.emulatorUrl,
        IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
        IGTOKEN_DATA_DIR: svc.dataDir,
        IGTOKEN_CONFIG_DIR: join(svc.dataDir, 'config'),
        IGTOKEN_DATABASE_URL: svc.databaseUrl,
        IGTOKEN_DEMO: 'true',
      }
      const cli = startCli(
        [
          'login',
          '--app-id',
          DEMO_APP.instagramAppId,
          '--redirect-uri',
          `${svc.url}/callback`,
          '--paste',
          '--save',
          '--json',
        ],
        env,
      )
      const location = await answerConsent(await authorizationUrlOf(cli), 'allow', { userId })
      cli.write(`${location}\n`)
      cli.endInput()
      const r = await cli.exited
      assert.equal(r.code, 0, r.stderr)
      const out = JSON.parse(r.stdout) as Record<string, unknown>
      assert.equal(out['access_token'], undefined, 'a saved token is not printed')
      assert.equal(out['user_id'], userId)
      return out['account_created'] === true
    },
  },
]

for (const dialect of SERVICE_DIALECTS) {
  describe(`both connect entry points write the same [${dialect}]`, () => {
    let svc: TestService
    let receiver: Receiver
    const published: Change[] = []

    before(async () => {
      const changes = new ChangeHub()
      changes.subscribe((change) => published.push(change))
      svc = await startTestService({ IGTOKEN_REFRESH_ENABLED: 'false' }, { dialect, changes })
      receiver = await startReceiver(SECRET, () => svc.now())
      const hook = await fetch(`${svc.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await svc.apiKey()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ url: receiver.url, secret: SECRET }),
      })
      assert.equal(hook.status, 201)
    })
    after(async () => {
      await receiver.close()
      await svc.close()
    })

    /** What a connect wrote about a user, read back with plain SQL. */
    async function written(userId: string) {
      const db = svc.service.store.db
      const accounts = await db
        .selectFrom('accounts')
        .selectAll()
        .where('ig_user_id', '=', userId)
        .execute()
      assert.equal(accounts.length, 1, 'one account per Meta user')
      const account = accounts[0]
      assert.ok(account, 'the account row exists')
      const tokens = await db
        .selectFrom('tokens')
        .select(['kind', 'expires_at', 'ciphertext'])
        .where('account_id', '=', account.id)
        .orderBy('kind')
        .execute()
      const events = await db
        .selectFrom('events')
        .selectAll()
        .where('account_id', '=', account.id)
        .where('type', '=', 'account.connected')
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      const deliveries = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('event_type', '=', 'account.connected')
        .execute()
      return { account, tokens, events, deliveries }
    }

    const seen = new Map<string, Awaited<ReturnType<typeof written>>>()

    for (const [i, door] of DOORS.entries()) {
      const userId = i === 0 ? BUSINESS : CREATOR
      test(`${door.via}: account, token, event and webhook`, async (t) => {
        published.length = 0
        const created = await door.enter(svc, userId)
        assert.equal(created, true)
        const rows = await written(userId)
        seen.set(door.via, rows)
        assert.equal(rows.account.flavor, 'instagram-login')
        assert.equal(rows.account.ig_user_id, userId)
        assert.equal(rows.account.status, 'active')
        assert.match(rows.account.meta_user_id, /^\d+$/)
        assert.notEqual(rows.account.scopes, '', 'granted (or requested) scopes are stored')
        assert.deepEqual(
          rows.tokens.map((r) => r.kind),
          ['instagram_long_lived'],
        )
        assert.ok((rows.tokens[0]?.expires_at ?? 0) > Date.now(), 'the token expires later')
        assert.equal(rows.events.length, 1)
        const event = rows.events[0]
        assert.ok(event, 'the event exists')
        assert.equal(event.meta_user_id, rows.account.meta_user_id)
        const detail = JSON.parse(event.detail) as Record<string, unknown>
        assert.deepEqual(
          { flavor: detail['flavor'], reconnected: detail['reconnected'], via: detail['via'] },
          { flavor: 'instagram-login', reconnected: false, via: door.via },
        )
        assert.equal(typeof detail['expires_at'], 'string')
        const delivery = rows.deliveries.find(
          (d) => (JSON.parse(d.payload) as { id: string }).id === event.id,
        )
        assert.ok(delivery, 'the webhook is queued with the event (same id)')
        assert.equal(delivery.created_at, event.created_at)
        const payload = JSON.parse(delivery.payload) as {
          account: { id: string; user_id?: string }
        }
        assert.equal(payload.account.id, rows.account.id)
        // Another process's connect reaches this service's hub through the store change
        // watcher, within the documented second.
        await t.test('the hub was told after the commit', async () => {
          const until = Date.now() + (door.otherProcess ? 2000 : 0)
          while (
            !published.some((c) => c.kind === 'account' && c.accountId === rows.account.id) &&
            Date.now() < until
          ) {
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
          assert.ok(
            published.some((c) => c.kind === 'account' && c.accountId === rows.account.id),
            'the account change was published',
          )
        })
      })
    }

    test('both doors store the same columns the same way', () => {
      const web = seen.get('connect')
      const cli = seen.get('cli')
      assert.ok(web && cli, 'both doors were tried')
      const shape = (row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : typeof v]))
      assert.deepEqual(shape(cli.account), shape(web.account))
      assert.deepEqual(cli.account.scopes, web.account.scopes)
      assert.deepEqual(
        cli.tokens.map((r) => r.kind),
        web.tokens.map((r) => r.kind),
      )
    })

    test('the same person through the other door reconnects the same account', async () => {
      const before = await written(BUSINESS)
      const created = await DOORS[1]?.enter(svc, BUSINESS)
      assert.equal(created, false)
      const afterwards = await written(BUSINESS)
      assert.equal(afterwards.account.id, before.account.id)
      assert.equal(afterwards.account.meta_user_id, before.account.meta_user_id)
      assert.equal(afterwards.account.ig_user_id, BUSINESS)
      assert.notEqual(afterwards.tokens[0]?.ciphertext, before.tokens[0]?.ciphertext)
      const last = afterwards.events.at(-1)
      assert.ok(last, 'a last event exists')
      assert.equal(afterwards.events.length, 2)
      assert.equal((JSON.parse(last.detail) as { reconnected: boolean }).reconnected, true)
    })
  })
}
