import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// signed_requests built here with node:crypto, independently of src/meta's encoder: the HMAC runs
// over the encoded payload, the signature is 32 bytes.
function sign(fields: Record<string, unknown>): { sig: Buffer; payload: string } {
  const payload = Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', ...fields })).toString(
    'base64url',
  )
  const sig = createHmac('sha256', DEMO_APP.instagramAppSecret).update(payload).digest()
  return { sig, payload }
}
const unpadded = (s: { sig: Buffer; payload: string }) =>
  `${s.sig.toString('base64url')}.${s.payload}`
// The same signature as standard base64 with its padding: Meta's SDKs accept it, so do we.
const padded = (s: { sig: Buffer; payload: string }) => `${s.sig.toString('base64')}.${s.payload}`

const nowSeconds = () => Math.floor(Date.now() / 1000)

for (const dialect of SERVICE_DIALECTS) {
  describe(`Meta's callbacks: replays and late requests [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    async function connect(userId: string): Promise<{ id: string; metaUserId: string }> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(res.response.status, 200)
      const row = await svc.service.store.db
        .selectFrom('accounts')
        .select(['id', 'meta_user_id'])
        .where('ig_user_id', '=', userId)
        .executeTakeFirstOrThrow()
      return { id: row.id, metaUserId: row.meta_user_id }
    }

    function post(path: string, signedRequest: string): Promise<Response> {
      return fetch(`${svc.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ signed_request: signedRequest }).toString(),
      })
    }

    async function state(accountId: string): Promise<{ status?: string; tokens: number }> {
      const db = svc.service.store.db
      const account = await db
        .selectFrom('accounts')
        .select('status')
        .where('id', '=', accountId)
        .executeTakeFirst()
      const tokens = await db
        .selectFrom('tokens')
        .select('id')
        .where('account_id', '=', accountId)
        .execute()
      return { ...(account === undefined ? {} : { status: account.status }), tokens: tokens.length }
    }

    test('a deauthorize replayed, or issued before, the reconnect leaves the new connection', async () => {
      const first = await connect('17841405822304914')
      const deauth = unpadded(sign({ issued_at: nowSeconds(), user_id: first.metaUserId }))
      const res = await post('/meta/deauthorize', deauth)
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { ok: true, revoked: 1 })
      assert.equal((await state(first.id)).status, 'revoked')

      const again = await connect('17841405822304914')
      assert.equal(again.id, first.id)
      const fresh = await state(first.id)
      assert.equal(fresh.status, 'active')
      assert.ok(fresh.tokens > 0)

      // The very request again: remembered.
      const replay = await post('/meta/deauthorize', deauth)
      assert.equal(replay.status, 200)
      assert.deepEqual(await replay.json(), { ok: true, revoked: 0 })
      // A different request, signed before the reconnect and arriving late: about the old one.
      const late = unpadded(sign({ issued_at: nowSeconds() - 30, user_id: first.metaUserId }))
      const lateRes = await post('/meta/deauthorize', late)
      assert.equal(lateRes.status, 200)
      assert.deepEqual(await lateRes.json(), { ok: true, revoked: 0 })
      assert.deepEqual(await state(first.id), fresh)
    })

    for (const path of ['/meta/deauthorize', '/meta/data-deletion']) {
      test(`${path}: issued_at in 2100 and a past "expires" are refused; nothing changes`, async () => {
        const account = await connect('17841405793187218')
        const before = await state(account.id)
        const year2100 = Math.floor(Date.UTC(2100, 0, 1) / 1000)
        const bodies = [
          unpadded(sign({ issued_at: year2100, user_id: account.metaUserId })),
          unpadded(sign({ issued_at: nowSeconds() + 600, user_id: account.metaUserId })),
          unpadded(
            sign({
              issued_at: nowSeconds() - 60,
              expires: nowSeconds() - 10,
              user_id: account.metaUserId,
            }),
          ),
        ]
        for (const body of bodies) {
          const res = await post(path, body)
          assert.equal(res.status, 400)
          const answer = (await res.json()) as { error: { code: string } }
          assert.equal(answer.error.code, 'signed_request_invalid')
        }
        assert.deepEqual(await state(account.id), before)
        const requests = await svc.service.store.db
          .selectFrom('deletion_requests')
          .select('id')
          .where('meta_user_id', '=', account.metaUserId)
          .execute()
        assert.equal(requests.length, 0)
      })
    }

    test('a data deletion replayed with its signature re-spelled padded: same code, one row', async () => {
      const account = await connect('17841405793187218')
      const request = sign({
        issued_at: nowSeconds(),
        expires: nowSeconds() + 600,
        user_id: account.metaUserId,
      })
      const spellings = [
        unpadded(request),
        padded(request),
        `${request.sig.toString('base64url')}=.${request.payload}`,
      ]
      assert.notEqual(spellings[0], spellings[1])
      const codes: string[] = []
      for (const spelling of spellings) {
        const res = await post('/meta/data-deletion', spelling)
        assert.equal(res.status, 200)
        codes.push(((await res.json()) as { confirmation_code: string }).confirmation_code)
      }
      assert.equal(new Set(codes).size, 1, codes.join(' '))
      const rows = await svc.service.store.db
        .selectFrom('deletion_requests')
        .select(['confirmation_code', 'status'])
        .where('meta_user_id', '=', account.metaUserId)
        .execute()
      assert.deepEqual(rows, [{ confirmation_code: codes[0], status: 'completed' }])
      assert.deepEqual(await state(account.id), { tokens: 0 })
    })
  })
}
