import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ChangeHub, inTransaction } from '../../src/broker/effects/index.js'
import {
  deleteAccount,
  deleteFeed,
  getAccount,
  listApiKeys,
  openStore,
  setAccountStatus,
} from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'
import { runCli } from '../helpers/cli.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { PASSWORD, csrfOf, signIn, visit } from '../dashboard/harness.js'
import { within } from './until.js'

// Every cache is on: tokens 30 s, API keys 5 s, feeds 5 minutes. Each test first shows that the
// cache serves (a write nobody announces is not seen), then that an announced one is.
for (const dialect of SERVICE_DIALECTS) {
  describe(`caches across processes [${dialect}]`, () => {
    let svc: TestService
    let key: string
    /** A second process's view of the same database: its own connection (pool) and hub. */
    let other: { store: Store; changes: ChangeHub; now: () => number }

    before(async () => {
      svc = await startTestService(
        { IGTOKEN_ADMIN_PASSWORD: PASSWORD, IGTOKEN_REFRESH_ENABLED: 'false' },
        { dialect },
      )
      key = await svc.apiKey()
      other = {
        store: await openStore(svc.databaseUrl),
        changes: new ChangeHub(),
        now: Date.now,
      }
    })
    after(async () => {
      await other.store.close()
      await svc.close()
    })

    function api(path: string, bearer = key, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${bearer}`)
      return fetch(`${svc.url}/api/v1${path}`, { ...init, headers })
    }

    async function connect(userId: string): Promise<string> {
      const { response } = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(response.status, 200)
      const list = (await (await api('/accounts')).json()) as {
        data: { id: string; user_id: string }[]
      }
      const account = list.data.find((a) => a.user_id === userId)
      assert.ok(account)
      return account.id
    }

    async function keyId(plaintext: string): Promise<string> {
      const found = (await listApiKeys(other.store)).find((k) => plaintext.startsWith(k.key_prefix))
      assert.ok(found)
      return found.id
    }

    test('a key revoked with the CLI is refused by the running service within a second', async () => {
      const doomed = await svc.apiKey('doomed')
      assert.equal((await api('/accounts', doomed)).status, 200, 'works, and is now remembered')
      const id = await keyId(doomed)
      const cli = await runCli(['keys', 'revoke', id, '--json'], {
        IGTOKEN_DATA_DIR: svc.dataDir,
        IGTOKEN_DATABASE_URL: svc.databaseUrl,
        IGTOKEN_DEMO: 'true',
      })
      assert.equal(cli.code, 0, cli.stderr)
      assert.deepEqual(JSON.parse(cli.stdout), { id, revoked: true })
      const took = await within(
        1_000,
        async () => (await api('/accounts', doomed)).status === 401,
        'the revoked key is refused',
      )
      assert.ok(took <= 1_000)
      // Independently: the row says revoked, and the other keys still work.
      const row = (await listApiKeys(other.store)).find((k) => k.id === id)
      assert.ok(row?.revoked_at !== null && row?.revoked_at !== undefined)
      assert.equal((await api('/accounts')).status, 200)

      const again = await runCli(['keys', 'revoke', id], {
        IGTOKEN_DATABASE_URL: svc.databaseUrl,
        IGTOKEN_DATA_DIR: svc.dataDir,
        IGTOKEN_DEMO: 'true',
      })
      assert.notEqual(again.code, 0, 'revoking twice fails')
      assert.match(again.stdout, /no active API key/)
    })

    test('a key revoked in the dashboard is refused on the very next request', async () => {
      const doomed = await svc.apiKey('doomed-in-process')
      assert.equal((await api('/accounts', doomed)).status, 200)
      const id = await keyId(doomed)
      const jar = await signIn(svc.url)
      const page = await visit(jar, `${svc.url}/dashboard/keys`)
      const unknown = await visit(jar, `${svc.url}/dashboard/keys/key_nope/revoke`, {
        form: { _csrf: csrfOf(page.html) },
      })
      assert.equal(unknown.response.status, 404, 'an unknown key: 404')
      assert.equal((await api('/accounts', doomed)).status, 200, 'and nothing changed')
      const revoked = await visit(jar, `${svc.url}/dashboard/keys/${id}/revoke`, {
        form: { _csrf: csrfOf(page.html) },
      })
      assert.equal(revoked.response.status, 303)
      // No waiting at all: the very next request.
      const next = await api('/accounts', doomed)
      assert.equal(next.status, 401)
    })

    test("a change of an account drops that account's feeds from the feed cache", async () => {
      const accountId = await connect('17841405793187218')
      const created = await api('/feeds', key, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: accountId }),
      })
      assert.equal(created.status, 201)
      const feed = (await created.json()) as { id: string }
      const feedUrl = `${svc.url}/feeds/${feed.id}.json`
      assert.equal((await fetch(feedUrl)).status, 200, 'the feed is now cached')
      // Removed behind the service's back: the cache still answers.
      assert.equal(await deleteFeed(other.store, feed.id), true)
      assert.equal((await fetch(feedUrl)).status, 200, 'served from the cache')
      // Only the account is announced, not the feed.
      await inTransaction(other, (unit) => {
        unit.invalidate({ kind: 'account', accountId })
        return Promise.resolve()
      })
      await within(1_000, async () => (await fetch(feedUrl)).status === 404, 'the feed is dropped')
    })

    test('an account marked needs_reauth by another process: its token stops being served within a second', async () => {
      const accountId = await connect('17841405793187218')
      assert.equal((await api(`/accounts/${accountId}/token`)).status, 200, 'now cached')
      // A write nobody announces is not seen: the token is served from memory.
      await setAccountStatus(other.store, accountId, 'needs_reauth', 'Meta said 190', Date.now())
      assert.equal((await api(`/accounts/${accountId}/token`)).status, 200)
      // The engine's way: the decision and its event in one transaction, announced on commit.
      await inTransaction(other, async (unit) => {
        const account = await getAccount(unit.store, accountId)
        assert.ok(account)
        await unit.record({ type: 'account.needs_reauth', account, data: { source: 'test' } })
      })
      await within(
        1_000,
        async () => (await api(`/accounts/${accountId}/token`)).status === 409,
        'the token is refused',
      )
      const body = (await (await api(`/accounts/${accountId}/token`)).json()) as {
        error: { code: string }
      }
      assert.equal(body.error.code, 'needs_reauth')
    })

    test('an account deleted by another process: its token and its feed answer 404 within a second', async () => {
      const accountId = await connect('17841405822304914')
      const created = await api('/feeds', key, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account_id: accountId }),
      })
      assert.equal(created.status, 201)
      const feed = (await created.json()) as { id: string }
      const feedUrl = `${svc.url}/feeds/${feed.id}.json`
      assert.equal((await fetch(feedUrl)).status, 200, 'the feed is now cached')
      assert.equal((await api(`/accounts/${accountId}/token`)).status, 200, 'the token too')
      await inTransaction(other, async (unit) => {
        assert.equal(await deleteAccount(unit.store, accountId), true)
        unit.invalidate({ kind: 'account', accountId })
      })
      await within(
        1_000,
        async () =>
          (await api(`/accounts/${accountId}/token`)).status === 404 &&
          (await fetch(feedUrl)).status === 404,
        'the token and the feed are gone',
      )
    })
  })
}
