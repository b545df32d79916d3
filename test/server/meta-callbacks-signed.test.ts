import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { startLiveRig } from '../refresh/rig.js'
import type { LiveRig } from '../refresh/rig.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

// Meta's callbacks signed the way docs/meta-platform.md describes, computed here with node:crypto
// (not with src's encoder): base64url(HMAC-SHA256(secret, payload)) "." base64url(payload JSON).
// The secret is IGTOKEN_META_APP_SECRET, a value distinct from the Instagram app secret.
const META_SECRET = 'live-meta-app-secret-for-callbacks-0001'

function signedRequest(payload: Record<string, unknown>, secret = META_SECRET): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const signature = createHmac('sha256', secret).update(encoded).digest('base64url')
  return `${signature}.${encoded}`
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`Meta's callbacks signed with IGTOKEN_META_APP_SECRET [${dialect}]`, () => {
    let rig: LiveRig
    before(async () => {
      rig = await startLiveRig({ dialect, env: { IGTOKEN_META_APP_SECRET: META_SECRET } })
      assert.notEqual(rig.env['IGTOKEN_APP_SECRET'], META_SECRET)
    })
    after(async () => {
      await rig.close()
    })

    async function account(id: string): Promise<{ status: string; tokens: number }> {
      const db = rig.service.store.db
      const { rows } = await sql<{
        status: string
      }>`SELECT status FROM accounts WHERE id = ${id}`.execute(db)
      const tokens = await sql<{
        n: number | string
      }>`SELECT COUNT(*) AS n FROM tokens WHERE account_id = ${id}`.execute(db)
      return { status: rows[0]?.status ?? 'gone', tokens: Number(tokens.rows[0]?.n) }
    }

    async function metaUserIdOf(id: string): Promise<string> {
      const { rows } = await sql<{
        meta_user_id: string
      }>`SELECT meta_user_id FROM accounts WHERE id = ${id}`.execute(rig.service.store.db)
      return rows[0]?.meta_user_id ?? ''
    }

    function post(path: string, signed: string): Promise<Response> {
      return fetch(`${rig.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `signed_request=${signed}`,
      })
    }

    for (const path of ['/meta/deauthorize', '/meta/data-deletion']) {
      test(`${path}: outside the freshness limits refused with 400, nothing changed`, async () => {
        const [id = ''] = await rig.seed(1)
        const userId = await metaUserIdOf(id)
        const before = await account(id)
        const now = Math.floor(rig.now() / 1000)
        const stale: [string, Record<string, unknown>][] = [
          ['issued over an hour ago', { issued_at: now - 3600 - 60 }],
          ['issued ten minutes ahead', { issued_at: now + 600 }],
          ['issued in 2100', { issued_at: 4_102_444_800 }],
          ['past its "expires"', { issued_at: now - 120, expires: now - 60 }],
        ]
        for (const [what, times] of stale) {
          const res = await post(
            path,
            signedRequest({ algorithm: 'HMAC-SHA256', user_id: userId, ...times }),
          )
          assert.equal(res.status, 400, what)
          const body = (await res.json()) as { error: { code: string } }
          assert.equal(body.error.code, 'signed_request_invalid', what)
        }
        // Signed with the Instagram app secret's neighbour that is not configured: refused too.
        const wrong = await post(
          path,
          signedRequest(
            { algorithm: 'HMAC-SHA256', user_id: userId, issued_at: now },
            `${META_SECRET}x`,
          ),
        )
        assert.equal(wrong.status, 400)
        assert.deepEqual(await account(id), before)
      })
    }

    test('/meta/deauthorize within the limits (50 minutes old, 2 minutes ahead): honoured', async () => {
      const ids = await rig.seed(2)
      // Connected two hours before the callbacks are issued (an older one would be ignored).
      await rig.advance(2 * 3_600_000)
      const now = Math.floor(rig.now() / 1000)
      for (const [i, issuedAt] of [now - 50 * 60, now + 120].entries()) {
        const id = ids[i] ?? ''
        const userId = await metaUserIdOf(id)
        assert.equal((await account(id)).status, 'active')
        const res = await post(
          '/meta/deauthorize',
          signedRequest({
            algorithm: 'HMAC-SHA256',
            user_id: userId,
            issued_at: issuedAt,
            expires: now + 3600,
          }),
        )
        assert.equal(res.status, 200, await res.clone().text())
        const after = await account(id)
        assert.equal(after.status, 'revoked')
        assert.equal(after.tokens, 0)
      }
    })

    test('/meta/data-deletion signed with the Meta secret: a confirmation code, the rows gone', async () => {
      const [id = ''] = await rig.seed(1)
      const userId = await metaUserIdOf(id)
      const res = await post(
        '/meta/data-deletion',
        signedRequest({
          algorithm: 'HMAC-SHA256',
          user_id: userId,
          issued_at: Math.floor(rig.now() / 1000),
        }),
      )
      assert.equal(res.status, 200)
      const body = (await res.json()) as { url: string; confirmation_code: string }
      assert.match(body.confirmation_code, /^[A-Za-z0-9_-]{8,}$/)
      assert.ok(body.url.includes(body.confirmation_code))
      assert.equal((await account(id)).status, 'gone')
    })
  })
}
