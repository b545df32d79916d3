import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { encodeSignedRequest } from '../../src/meta/index.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// The same suite on SQLite and on PostgreSQL (a fresh database each).
for (const dialect of SERVICE_DIALECTS) {
  describe(`Meta's callbacks [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    const BUSINESS = '17841405793187218'
    const CREATOR = '17841405822304914'

    async function connect(userId: string): Promise<void> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(res.response.status, 200)
    }

    // Callbacks name the app-scoped id (accounts.meta_user_id); tests know the Instagram user id.
    const appScopedIds = new Map<string, string>()

    async function rowsAbout(
      igUserId: string,
    ): Promise<{ accounts: number; tokens: number; events: number }> {
      const db = svc.service.store.db
      const known = await db
        .selectFrom('accounts')
        .select('meta_user_id')
        .where('ig_user_id', '=', igUserId)
        .executeTakeFirst()
      if (known !== undefined) appScopedIds.set(igUserId, known.meta_user_id)
      const metaUserId = appScopedIds.get(igUserId) ?? igUserId
      const accounts = await db
        .selectFrom('accounts')
        .select(['id', 'status'])
        .where('meta_user_id', '=', metaUserId)
        .execute()
      const ids = accounts.map((a) => a.id)
      const tokens =
        ids.length === 0
          ? []
          : await db.selectFrom('tokens').select('id').where('account_id', 'in', ids).execute()
      const events = await db
        .selectFrom('events')
        .select('id')
        .where('meta_user_id', '=', metaUserId)
        .execute()
      return { accounts: accounts.length, tokens: tokens.length, events: events.length }
    }

    function post(path: string, body: string): Promise<Response> {
      return fetch(`${svc.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
    }

    describe("Meta's callbacks refuse what is not signed by the app, and change nothing", () => {
      for (const path of ['/meta/deauthorize', '/meta/data-deletion']) {
        test(`${path}: missing, malformed, wrongly signed and stale signed_request`, async () => {
          await connect(BUSINESS)
          const before = await rowsAbout(BUSINESS)
          assert.equal(before.accounts, 1)
          assert.ok(before.tokens > 0)
          const now = Math.floor(Date.now() / 1000)
          const payload = {
            algorithm: 'HMAC-SHA256',
            issued_at: now,
            user_id: appScopedIds.get(BUSINESS),
          }
          const bodies = [
            '',
            'signed_request=',
            'signed_request=not-a-signed-request',
            `signed_request=${encodeSignedRequest(payload, 'not-the-app-secret')}`,
            `signed_request=${encodeSignedRequest({ ...payload, issued_at: now - 86_400 }, DEMO_APP.instagramAppSecret)}`,
            `signed_request=${encodeSignedRequest({ ...payload, algorithm: 'HMAC-SHA1' }, DEMO_APP.instagramAppSecret)}`,
          ]
          for (const body of bodies) {
            const res = await post(path, body)
            assert.equal(res.status, 400, body.slice(0, 40))
            const text = await res.text()
            assert.equal(
              (JSON.parse(text) as { error: { code: string } }).error.code,
              'signed_request_invalid',
            )
            const signed = body.split('=')[1] ?? ''
            if (signed.length > 10)
              assert.ok(!text.includes(signed), 'the signed_request is not echoed')
          }
          assert.deepEqual(await rowsAbout(BUSINESS), before)
        })
      }
    })

    describe("Meta's callbacks sent by the emulator", () => {
      test('the user removes the app: tokens deleted, account revoked, token API answers 409', async () => {
        await connect(CREATOR)
        const key = await svc.apiKey()
        const { id: accountId } = await svc.service.store.db
          .selectFrom('accounts')
          .select('id')
          .where('ig_user_id', '=', CREATOR)
          .executeTakeFirstOrThrow()
        // Read once first, so the token sits in the service's cache when Meta's callback arrives.
        const first = await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, {
          headers: { authorization: `Bearer ${key}` },
        })
        assert.equal(first.status, 200)
        const { callbacks } = await svc.control.revoke({
          userId: CREATOR,
          appId: DEMO_APP.instagramAppId,
        })
        assert.equal(callbacks.length, 1, JSON.stringify(callbacks))
        assert.equal(callbacks[0]?.status, 200)
        const about = await rowsAbout(CREATOR)
        assert.equal(about.accounts, 1)
        assert.equal(about.tokens, 0)
        const account = await svc.service.store.db
          .selectFrom('accounts')
          .selectAll()
          .where('ig_user_id', '=', CREATOR)
          .executeTakeFirstOrThrow()
        assert.equal(account.status, 'revoked')
        const res = await fetch(`${svc.url}/api/v1/accounts/${account.id}/token`, {
          headers: { authorization: `Bearer ${key}` },
        })
        assert.equal(res.status, 409)
      })

      test('the user asks for deletion: every row is gone and the status page answers', async () => {
        await connect(BUSINESS)
        assert.ok((await rowsAbout(BUSINESS)).accounts > 0)
        const { callbacks } = await svc.control.deleteData({
          userId: BUSINESS,
          appId: DEMO_APP.instagramAppId,
        })
        const delivery = callbacks[0]
        assert.equal(delivery?.status, 200)
        assert.equal(delivery.verdict, 'ok')
        assert.deepEqual(await rowsAbout(BUSINESS), { accounts: 0, tokens: 0, events: 0 })

        const reply = delivery.reply as { url: string; confirmation_code: string }
        assert.equal(reply.url, `${svc.url}/meta/data-deletion/${reply.confirmation_code}`)
        const page = await fetch(reply.url)
        assert.equal(page.status, 200)
        assert.match(await page.text(), /Completed/)
        const json = await fetch(reply.url, { headers: { accept: 'application/json' } })
        const status = (await json.json()) as { status: string; confirmation_code: string }
        assert.equal(status.status, 'completed')
        assert.equal(status.confirmation_code, reply.confirmation_code)

        // A repeated request is safe, and an unknown user still gets a valid reply.
        const again = await svc.control.deleteData({
          userId: BUSINESS,
          appId: DEMO_APP.instagramAppId,
        })
        assert.equal(again.callbacks[0]?.verdict, 'ok')
        const stranger = await post(
          '/meta/data-deletion',
          `signed_request=${encodeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: '999' }, DEMO_APP.instagramAppSecret)}`,
        )
        assert.equal(stranger.status, 200)
        const answer = (await stranger.json()) as { url: string; confirmation_code: string }
        assert.match(answer.confirmation_code, /^[A-Za-z0-9_-]+$/)
      })

      test('an unknown confirmation code is a 404 page', async () => {
        const res = await fetch(`${svc.url}/meta/data-deletion/unknown-code`)
        assert.equal(res.status, 404)
        assert.match(await res.text(), /no data deletion request/i)
      })
    })
  })
}
