import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DashboardService } from '../dashboard/harness.js'
import { USERS, startDashboardService } from '../dashboard/harness.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

// The same suite on SQLite and on PostgreSQL (a fresh database each).
for (const dialect of SERVICE_DIALECTS) {
  describe(`public feeds [${dialect}]`, () => {
    let svc: DashboardService
    let key: string
    let accountId: string
    const ORIGIN = 'https://shop.example'

    async function api(method: string, path: string, body?: unknown): Promise<Response> {
      return fetch(`${svc.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    }

    async function publish(limit = 3): Promise<{ id: string; url: string }> {
      const res = await api('POST', '/feeds', {
        account_id: accountId,
        limit,
        allowed_origins: [ORIGIN],
      })
      assert.equal(res.status, 201)
      return (await res.json()) as { id: string; url: string }
    }

    async function mediaCalls(): Promise<number> {
      return (await svc.control.requests()).filter((r) => r.endpoint.includes('media')).length
    }

    before(async () => {
      svc = await startDashboardService({ IGTOKEN_FEED_REFRESH_SECONDS: '60' }, { dialect })
      key = await svc.apiKey()
      accountId = await svc.connect(USERS.business)
    })
    after(async () => {
      await svc.close()
    })

    describe('publishing a feed through the API', () => {
      test('without an API key: 401, nothing published', async () => {
        const res = await fetch(`${svc.url}/api/v1/feeds`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ account_id: accountId }),
        })
        assert.equal(res.status, 401)
        const list = (await (await api('GET', '/feeds')).json()) as { data: unknown[] }
        assert.deepEqual(list.data, [])
      })

      test('bad input is refused with the error body and publishes nothing', async () => {
        const cases: [unknown, number, string][] = [
          [{ account_id: 'acc_nope' }, 404, 'not_found'],
          [
            { account_id: accountId, allowed_origins: ['https://a.example/path'] },
            400,
            'invalid_request',
          ],
          [
            { account_id: accountId, allowed_origins: ['javascript:alert(1)'] },
            400,
            'invalid_request',
          ],
          [{ account_id: accountId, limit: 0 }, 400, 'invalid_request'],
          [{ account_id: accountId, limit: 101 }, 400, 'invalid_request'],
          [{ account_id: accountId, extra: true }, 400, 'invalid_request'],
        ]
        for (const [body, status, code] of cases) {
          const res = await api('POST', '/feeds', body)
          assert.equal(res.status, status, JSON.stringify(body))
          assert.equal(((await res.json()) as { error: { code: string } }).error.code, code)
        }
        const list = (await (await api('GET', '/feeds')).json()) as { data: unknown[] }
        assert.deepEqual(list.data, [])
      })
    })

    describe('reading a public feed', () => {
      test('an unknown feed answers 404 with the error body', async () => {
        for (const id of ['feed_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2f..%2fetc']) {
          const res = await fetch(`${svc.url}/feeds/${id}.json`)
          assert.equal(res.status, 404, id)
          assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found')
        }
      })

      test('the feed shows the latest media, no token or ids, with ETag, Cache-Control and 304', async () => {
        const feed = await publish(3)
        assert.match(feed.id, /^feed_[A-Za-z0-9_-]{32}$/)
        assert.equal(feed.url, `${svc.url}/feeds/${feed.id}.json`)
        const res = await fetch(`${svc.url}/feeds/${feed.id}.json`)
        assert.equal(res.status, 200)
        assert.match(res.headers.get('content-type') ?? '', /application\/json/)
        assert.equal(res.headers.get('cache-control'), 'public, max-age=60')
        const etag = res.headers.get('etag')
        assert.match(etag ?? '', /^"[A-Za-z0-9_-]{27}"$/)
        assert.equal(res.headers.get('igtoken-feed-stale'), null)
        // An embed's cache-buster is accepted; any other parameter is not.
        assert.equal((await fetch(`${svc.url}/feeds/${feed.id}.json?_=1732000000000`)).status, 200)
        assert.equal((await fetch(`${svc.url}/feeds/${feed.id}.json?_method=DELETE`)).status, 400)
        const text = await res.text()
        const body = JSON.parse(text) as { data: Record<string, unknown>[] }
        assert.equal(body.data.length, 3)
        for (const item of body.data) {
          assert.deepEqual(
            Object.keys(item)
              .filter((k) => k !== 'children')
              .sort(),
            ['caption', 'id', 'media_type', 'media_url', 'permalink', 'thumbnail_url', 'timestamp'],
          )
        }
        const token = (await (await api('GET', `/accounts/${accountId}/token`)).json()) as {
          access_token: string
        }
        assert.ok(!text.includes(token.access_token), 'no token')
        assert.ok(!text.includes(USERS.business), 'no user id')
        assert.ok(!text.includes(accountId), 'no internal id')

        const again = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          headers: { 'if-none-match': etag ?? '' },
        })
        assert.equal(again.status, 304)
        assert.equal(again.headers.get('etag'), etag)
        assert.equal(await again.text(), '')
        const weak = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          headers: { 'if-none-match': `"other", W/${etag ?? ''}` },
        })
        assert.equal(weak.status, 304)
        const other = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          headers: { 'if-none-match': '"other"' },
        })
        assert.equal(other.status, 200)
      })

      test('CORS headers go to the allowed origins only', async () => {
        const feed = await publish()
        const allowed = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          headers: { origin: ORIGIN },
        })
        assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN)
        assert.match(allowed.headers.get('access-control-expose-headers') ?? '', /ETag/)
        assert.match(allowed.headers.get('vary') ?? '', /Origin/)
        const foreign = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          headers: { origin: 'https://evil.example' },
        })
        assert.equal(foreign.status, 200)
        assert.equal(foreign.headers.get('access-control-allow-origin'), null)
        const preflight = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          method: 'OPTIONS',
          headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
        })
        assert.equal(preflight.status, 204)
        assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN)
        const badPreflight = await fetch(`${svc.url}/feeds/${feed.id}.json`, {
          method: 'OPTIONS',
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
        })
        assert.equal(badPreflight.headers.get('access-control-allow-origin'), null)
      })

      test('many requests within the interval ask Meta once (single flight)', async () => {
        const feed = await publish()
        const before = await mediaCalls()
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => fetch(`${svc.url}/feeds/${feed.id}.json`)),
        )
        assert.ok(answers.every((r) => r.status === 200))
        await Promise.all(answers.map((r) => r.text()))
        assert.equal((await mediaCalls()) - before, 1)
      })

      test('when Meta fails after the interval, the last good copy is served, marked stale', async () => {
        const feed = await publish()
        const first = await fetch(`${svc.url}/feeds/${feed.id}.json`)
        const good = await first.text()
        await svc.control.setFaults({
          rules: [{ match: { host: 'graph.instagram.com', path: '*media*' }, errorRate: 1 }],
        })
        try {
          await svc.advance(61_000)
          const stale = await fetch(`${svc.url}/feeds/${feed.id}.json`)
          assert.equal(stale.status, 200)
          assert.equal(stale.headers.get('igtoken-feed-stale'), 'true')
          assert.equal(stale.headers.get('etag'), first.headers.get('etag'))
          assert.equal(await stale.text(), good)
          const listed = (await (await api('GET', `/feeds/${feed.id}`)).json()) as {
            last_error: string | null
          }
          assert.equal(listed.last_error, 'meta_error')
        } finally {
          await svc.control.clearFaults()
        }
        await svc.advance(61_000)
        const fresh = await fetch(`${svc.url}/feeds/${feed.id}.json`)
        assert.equal(fresh.headers.get('igtoken-feed-stale'), null)
      })

      test('with no good copy yet, a failure at Meta answers 502 with the error body', async () => {
        const feed = await publish()
        await svc.control.setFaults({
          rules: [{ match: { host: 'graph.instagram.com', path: '*media*' }, errorRate: 1 }],
        })
        try {
          const res = await fetch(`${svc.url}/feeds/${feed.id}.json`)
          assert.equal(res.status, 502)
          const body = (await res.json()) as { error: { code: string; message: string } }
          assert.equal(body.error.code, 'meta_error')
        } finally {
          await svc.control.clearFaults()
        }
      })

      test('an unpublished feed answers 404 at once', async () => {
        const feed = await publish()
        assert.equal((await fetch(`${svc.url}/feeds/${feed.id}.json`)).status, 200)
        assert.equal((await api('DELETE', `/feeds/${feed.id}`)).status, 204)
        assert.equal((await fetch(`${svc.url}/feeds/${feed.id}.json`)).status, 404)
        assert.equal((await api('DELETE', `/feeds/${feed.id}`)).status, 404)
      })
    })
  })
}
