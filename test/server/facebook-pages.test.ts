import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

/** The demo app's Meta app id (src/emulator/seed.ts). */
const APP_ID = '1000000000000001'

interface ApiAccount {
  id: string
  username: string
  user_id: string
  meta_user_id: string
  status: string
  status_reason: string | null
}

// A Facebook user managing four Pages: three linked to Instagram accounts, one without. The first
// login grants P1, P2 (Instagram) and P3 (none); then P4 joins; then P2 leaves.
for (const dialect of SERVICE_DIALECTS) {
  describe(`Facebook Login: every Instagram account behind the granted Pages [${dialect}]`, () => {
    let svc: TestService
    let key: string
    let fbUserId: string
    const pageOf = new Map<string, string>() // ig user id -> page id
    const pages: string[] = []

    before(async () => {
      svc = await startTestService({ IGTOKEN_FLAVOR: 'facebook-login' }, { dialect })
      key = await svc.apiKey()
      const igUser = async (username: string): Promise<string> =>
        (
          await svc.control.addUser({
            kind: 'instagram',
            username,
            accountType: 'BUSINESS',
            mediaCount: 1,
          })
        ).id
      const ig = [
        await igUser('agency_one'),
        await igUser('agency_two'),
        await igUser('agency_four'),
      ] as const
      const user = await svc.control.addUser({
        kind: 'facebook',
        name: 'Agency Person',
        pages: [
          { name: 'Page One', instagramUserId: ig[0] },
          { name: 'Page Two', instagramUserId: ig[1] },
          { name: 'Page Three' },
          { name: 'Page Four', instagramUserId: ig[2] },
        ],
      })
      fbUserId = user.id
      const made = user['pages'] as { id: string; instagramUserId?: string }[]
      for (const p of made) {
        pages.push(p.id)
        if (p.instagramUserId !== undefined) pageOf.set(p.instagramUserId, p.id)
      }
      await svc.control.setGrantedPages({
        userId: fbUserId,
        appId: APP_ID,
        pageIds: pages.slice(0, 3),
      })
    })
    after(async () => {
      await svc.close()
    })

    async function connect(): Promise<{ status: number; html: string }> {
      const { response } = await connectThroughBrowserless(svc.url, (location) =>
        answerConsent(location, 'allow', { userId: fbUserId }),
      )
      return { status: response.status, html: await response.text() }
    }

    async function accounts(): Promise<ApiAccount[]> {
      const res = await fetch(`${svc.url}/api/v1/accounts?limit=500`, {
        headers: { authorization: `Bearer ${key}` },
      })
      assert.equal(res.status, 200)
      const body = (await res.json()) as { data: ApiAccount[] }
      return body.data.filter((a) => pageOf.has(a.user_id))
    }

    async function servedToken(id: string): Promise<{ status: number; token?: string }> {
      const res = await fetch(`${svc.url}/api/v1/accounts/${id}/token`, {
        headers: { authorization: `Bearer ${key}` },
      })
      const body = (await res.json()) as { access_token?: string }
      return {
        status: res.status,
        ...(body.access_token === undefined ? {} : { token: body.access_token }),
      }
    }

    /** Asks the emulator, not igtoken, which Page a token speaks for. */
    async function pageOfToken(token: string): Promise<string> {
      const res = await fetch(
        `${svc.emulatorUrl}/graph.facebook.com/v25.0/me?fields=id&access_token=${encodeURIComponent(token)}`,
      )
      assert.equal(res.status, 200)
      return ((await res.json()) as { id: string }).id
    }

    async function rawRows(): Promise<{ id: string; ig_user_id: string | null; status: string }[]> {
      return svc.service.store.db
        .selectFrom('accounts')
        .select(['id', 'ig_user_id', 'status'])
        .where('meta_user_id', 'in', (await accounts()).map((a) => a.meta_user_id).slice(0, 1))
        .execute()
    }

    test('3 Pages, 2 with Instagram: 2 accounts, each served its own Page token', async () => {
      const { status, html } = await connect()
      assert.equal(status, 200)
      assert.match(html, /2 accounts connected/)
      assert.match(html, /@agency_one/)
      assert.match(html, /@agency_two/)
      const list = await accounts()
      assert.deepEqual(list.map((a) => a.username).sort(), ['agency_one', 'agency_two'])
      assert.equal(new Set(list.map((a) => a.meta_user_id)).size, 1, 'one login behind both')
      const tokens = new Set<string>()
      for (const account of list) {
        const served = await servedToken(account.id)
        assert.equal(served.status, 200)
        assert.ok(served.token !== undefined)
        tokens.add(served.token)
        assert.equal(await pageOfToken(served.token), pageOf.get(account.user_id))
      }
      assert.equal(tokens.size, 2, 'distinct Page tokens')
      // Raw SQL: two rows, one per Instagram account, each with its own user-token copy and Page token.
      const rows = await rawRows()
      assert.equal(rows.length, 2)
      const kinds = await svc.service.store.db
        .selectFrom('tokens')
        .select(['account_id', 'kind'])
        .where(
          'account_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
      assert.equal(kinds.filter((k) => k.kind === 'facebook_page').length, 2)
      assert.equal(kinds.filter((k) => k.kind === 'facebook_user_long_lived').length, 2)
    })

    test('the Graph proxy never hands out a token Meta answers with (a Page’s access_token field)', async () => {
      const [account] = await accounts()
      assert.ok(account)
      const served = await servedToken(account.id)
      assert.ok(served.token !== undefined)
      for (const path of ['me?fields=id,name,access_token']) {
        // Meta itself, asked directly with the same token, does answer with tokens in it.
        const direct = await fetch(
          `${svc.emulatorUrl}/graph.facebook.com/v25.0/${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(served.token)}`,
        )
        const directText = await direct.text()
        assert.match(directText, /"access_token"/, `${path}: the emulator answers with a token`)
        const res = await fetch(`${svc.url}/api/v1/accounts/${account.id}/graph/${path}`, {
          headers: { authorization: `Bearer ${key}` },
        })
        const text = await res.text()
        assert.equal(res.status, direct.status, `${path}: ${text}`)
        assert.doesNotMatch(text, /access_token/i, path)
        for (const token of directText.matchAll(/"access_token":"([^"]+)"/g)) {
          assert.ok(!text.includes(token[1] ?? '\u0000'), `${path}: a minted token came back`)
        }
      }
    })
    test('reconnecting the same grant changes nothing: same ids, no duplicate', async () => {
      const before = (await accounts()).map((a) => a.id).sort()
      assert.equal((await connect()).status, 200)
      assert.deepEqual((await accounts()).map((a) => a.id).sort(), before)
    })

    test('a 4th Page granted: reconnecting adds its account (3)', async () => {
      const before = await accounts()
      await svc.control.setGrantedPages({ userId: fbUserId, appId: APP_ID, pageIds: null })
      const { html } = await connect()
      assert.match(html, /3 accounts connected/)
      const list = await accounts()
      assert.deepEqual(list.map((a) => a.username).sort(), [
        'agency_four',
        'agency_one',
        'agency_two',
      ])
      for (const old of before)
        assert.ok(
          list.some((a) => a.id === old.id),
          'same ids kept',
        )
      assert.ok(list.every((a) => a.status === 'active'))
    })

    test('a Page taken out of the grant: only its account is marked, the others still served', async () => {
      const list = await accounts()
      const two = list.find((a) => a.username === 'agency_two')
      assert.ok(two)
      const others = list.filter((a) => a.id !== two.id)
      const tokensBefore = new Map<string, string | undefined>()
      for (const a of others) tokensBefore.set(a.id, (await servedToken(a.id)).token)
      const keep = pages.filter((p) => p !== pageOf.get(two.user_id))
      await svc.control.setGrantedPages({ userId: fbUserId, appId: APP_ID, pageIds: keep })
      const { html } = await connect()
      assert.match(html, /No longer granted/)
      const after = await accounts()
      const marked = after.find((a) => a.id === two.id)
      assert.ok(marked)
      assert.equal(marked.status, 'needs_reauth')
      assert.equal(marked.status_reason, 'page_not_granted')
      assert.equal((await servedToken(two.id)).status, 409)
      for (const a of others) {
        const now = after.find((x) => x.id === a.id)
        assert.equal(now?.status, 'active')
        const served = await servedToken(a.id)
        assert.equal(served.status, 200)
        assert.equal(await pageOfToken(served.token ?? ''), pageOf.get(a.user_id))
      }
      const events = await svc.service.store.db
        .selectFrom('events')
        .select(['account_id', 'type'])
        .where('type', '=', 'account.needs_reauth')
        .execute()
      assert.deepEqual(
        events.map((e) => e.account_id),
        [two.id],
      )
    })

    test('a Page token revoked at Meta: only that account needs_reauth', async () => {
      const list = (await accounts()).filter((a) => a.status === 'active')
      assert.equal(list.length, 2)
      const [victim, other] = list as [ApiAccount, ApiAccount]
      const { revoked } = await svc.control.revokePageTokens({
        userId: fbUserId,
        pageId: pageOf.get(victim.user_id) ?? '',
      })
      assert.ok(revoked >= 1)
      // Page tokens never expire: the refresh engine checks them with debug_token (daily).
      await svc.advance(3 * 86_400_000)
      await svc.service.refresh.engine.runOnce()
      const after = await accounts()
      assert.equal(after.find((a) => a.id === victim.id)?.status, 'needs_reauth')
      assert.equal(after.find((a) => a.id === other.id)?.status, 'active')
      const served = await servedToken(other.id)
      assert.equal(served.status, 200)
      assert.equal(await pageOfToken(served.token ?? ''), pageOf.get(other.user_id))
    })

    test('no granted Page has Instagram: a clear refusal, nothing stored', async () => {
      const before = (await rawRows()).map((r) => `${r.id}:${r.status}`).sort()
      await svc.control.setGrantedPages({
        userId: fbUserId,
        appId: APP_ID,
        pageIds: [pages[2] ?? ''],
      })
      const { status, html } = await connect()
      assert.ok(status >= 400 && status < 500, `status ${status}`)
      assert.match(html, /Instagram/)
      assert.deepEqual((await rawRows()).map((r) => `${r.id}:${r.status}`).sort(), before)
    })

    test("the person removes the app: Meta's deauthorize revokes every account of the login", async () => {
      await svc.control.setGrantedPages({ userId: fbUserId, appId: APP_ID, pageIds: null })
      assert.equal((await connect()).status, 200)
      const mine = await rawRows()
      assert.equal(mine.length, 3)
      const { callbacks } = await svc.control.revoke({ userId: fbUserId, appId: APP_ID })
      assert.equal(callbacks[0]?.status, 200, JSON.stringify(callbacks))
      const after = await svc.service.store.db
        .selectFrom('accounts')
        .select(['id', 'status'])
        .where(
          'id',
          'in',
          mine.map((r) => r.id),
        )
        .execute()
      assert.deepEqual(
        after.map((r) => r.status),
        ['revoked', 'revoked', 'revoked'],
        'every account of the person is revoked',
      )
      const tokens = await svc.service.store.db
        .selectFrom('tokens')
        .select('id')
        .where(
          'account_id',
          'in',
          mine.map((r) => r.id),
        )
        .execute()
      assert.equal(tokens.length, 0)
    })
  })
}
