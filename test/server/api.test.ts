import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// The same suite on SQLite and on PostgreSQL (a fresh database each).
for (const dialect of SERVICE_DIALECTS) {
  describe(`token API [${dialect}]`, () => {
    const DAY = 86_400_000
    let svc: TestService
    let key: string

    before(async () => {
      svc = await startTestService({ IGTOKEN_TOKEN_CACHE_SECONDS: '0' }, { dialect })
      key = await svc.apiKey()
    })
    after(async () => {
      await svc.close()
    })

    function api(
      path: string,
      init: RequestInit = {},
      bearer: string | null = key,
    ): Promise<Response> {
      const headers = new Headers(init.headers)
      if (bearer !== null) headers.set('authorization', `Bearer ${bearer}`)
      return fetch(`${svc.url}/api/v1${path}`, { ...init, headers })
    }

    async function connect(userId: string): Promise<string> {
      const res = await connectThroughBrowserless(svc.url, (u) =>
        answerConsent(u, 'allow', { userId }),
      )
      assert.equal(res.response.status, 200)
      const list = (await (await api('/accounts')).json()) as {
        data: { id: string; user_id: string }[]
      }
      const account = list.data.find((a) => a.user_id === userId)
      assert.ok(account, `account for ${userId} is listed`)
      return account.id
    }

    async function errorCode(res: Response): Promise<string> {
      return ((await res.json()) as { error: { code: string } }).error.code
    }

    describe('token API: refusals first', () => {
      test('401 without a key, with a malformed key, and with an unknown key', async () => {
        for (const bearer of [null, 'nonsense', `igt_${'A'.repeat(43)}`]) {
          const res = await api('/accounts', {}, bearer)
          assert.equal(res.status, 401)
          assert.equal(await errorCode(res), 'unauthorized')
          assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/)
        }
      })

      test('401 with a revoked key', async () => {
        const { markApiKeyRevoked, verifyApiKey } = await import('../../src/store/index.js')
        const doomed = await svc.apiKey('doomed')
        const info = await verifyApiKey(svc.service.store, doomed, Date.now())
        assert.ok(info)
        assert.equal(await markApiKeyRevoked(svc.service.store, info.id, Date.now()), true)
        const res = await api('/accounts', {}, doomed)
        assert.equal(res.status, 401)
      })

      test('404 for an unknown account, on every account route', async () => {
        for (const [method, path] of [
          ['GET', '/accounts/acc_nope'],
          ['GET', '/accounts/acc_nope/token'],
          ['POST', '/accounts/acc_nope/refresh'],
          ['DELETE', '/accounts/acc_nope'],
        ] as const) {
          const res = await api(path, { method })
          assert.equal(res.status, 404, `${method} ${path}`)
          assert.equal(await errorCode(res), 'not_found')
        }
      })

      test('400 for bad list parameters', async () => {
        for (const query of ['?limit=0', '?limit=abc', '?status=bogus', '?unknown=1']) {
          const res = await api(`/accounts${query}`)
          assert.equal(res.status, 400, query)
          assert.equal(await errorCode(res), 'invalid_request')
        }
      })
    })

    describe('token API: serving tokens', () => {
      test('serves a working token and never lists one', async () => {
        const id = await connect('17841405793187218')
        const res = await api(`/accounts/${id}/token`)
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('cache-control'), 'no-store')
        const body = (await res.json()) as Record<string, string>
        assert.deepEqual(Object.keys(body).sort(), [
          'access_token',
          'account_id',
          'expires_at',
          'user_id',
        ])
        assert.equal(body['account_id'], id)
        assert.equal(body['user_id'], '17841405793187218')
        assert.ok(Date.parse(body['expires_at'] ?? '') > Date.now() + 50 * DAY)
        const me = await fetch(
          `${svc.emulatorUrl}/graph.instagram.com/me?fields=user_id,username&access_token=${body['access_token']}`,
        )
        assert.equal(me.status, 200)
        assert.equal(((await me.json()) as { username: string }).username, 'emu_business')

        const listing = await (await api('/accounts')).text()
        const single = await (await api(`/accounts/${id}`)).text()
        assert.ok(!listing.includes(body['access_token'] ?? '-'))
        assert.ok(!single.includes(body['access_token'] ?? '-'))
      })

      test('a token close to expiry is served at once and refreshed behind the reads, once', async () => {
        const id = await connect('17841405793187218')
        const before = (await (await api(`/accounts/${id}/token`)).json()) as {
          access_token: string
        }
        await svc.advance(55 * DAY)
        const seq = (await svc.control.requests()).at(-1)?.seq ?? 0
        const reads = await Promise.all(
          Array.from({ length: 8 }, () => api(`/accounts/${id}/token`)),
        )
        assert.ok(reads.every((r) => r.status === 200))
        await Promise.all(reads.map((r) => r.json()))
        // The refresh runs behind the reads: a later read gets its token (bounded wait).
        let latest = { access_token: '', expires_at: '' }
        for (let i = 0; i < 100; i++) {
          latest = (await (await api(`/accounts/${id}/token`)).json()) as typeof latest
          if (Date.parse(latest.expires_at) > svc.now() + 59 * DAY) break
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        assert.ok(Date.parse(latest.expires_at) > svc.now() + 59 * DAY)
        assert.notEqual(latest.access_token, before.access_token)
        const refreshes = await svc.control.requests({
          endpoint: 'ig.refresh_access_token',
          sinceSeq: seq,
        })
        assert.equal(refreshes.length, 1)
      })

      test('502 when Meta fails a refresh, and the working token is kept', async () => {
        const id = await connect('17841405793187218')
        await svc.advance(2 * DAY)
        const before = (await (await api(`/accounts/${id}/token`)).json()) as {
          access_token: string
        }
        await svc.control.setFaults({
          rules: [{ match: { endpoint: 'ig.refresh_access_token' }, errorRate: 1 }],
        })
        try {
          const res = await api(`/accounts/${id}/refresh`, { method: 'POST' })
          assert.equal(res.status, 502)
          assert.equal(await errorCode(res), 'meta_error')
        } finally {
          await svc.control.clearFaults()
        }
        const after = (await (await api(`/accounts/${id}/token`)).json()) as {
          access_token: string
        }
        assert.equal(after.access_token, before.access_token)
        const account = (await (await api(`/accounts/${id}`)).json()) as { status: string }
        assert.equal(account.status, 'active')
      })

      test('409 once Meta invalidates the token (password changed)', async () => {
        const id = await connect('17841405822304914')
        await svc.advance(2 * DAY)
        await svc.control.changePassword({ userId: '17841405822304914' })
        const refresh = await api(`/accounts/${id}/refresh`, { method: 'POST' })
        assert.equal(refresh.status, 409)
        assert.equal(await errorCode(refresh), 'needs_reauth')
        const token = await api(`/accounts/${id}/token`)
        assert.equal(token.status, 409)
        assert.equal(await errorCode(token), 'needs_reauth')
        const account = (await (await api(`/accounts/${id}`)).json()) as { status: string }
        assert.equal(account.status, 'needs_reauth')
      })

      test('POST refresh and DELETE', async () => {
        const id = await connect('17841405793187218')
        await svc.advance(2 * DAY)
        const refreshed = await api(`/accounts/${id}/refresh`, { method: 'POST' })
        assert.equal(refreshed.status, 200)
        const view = (await refreshed.json()) as { refreshed_at: string | null; status: string }
        assert.equal(view.status, 'active')
        assert.ok(view.refreshed_at !== null)
        const deleted = await api(`/accounts/${id}`, { method: 'DELETE' })
        assert.equal(deleted.status, 204)
        assert.equal((await api(`/accounts/${id}`)).status, 404)
      })
    })
  })
}
