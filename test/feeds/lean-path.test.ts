// The public feed's lean path (src/server/feed-lean-path.ts) answers fresh cached copies before
// Fastify. What it must keep: the Fastify route's answer, header for header; its invalidation; and
// everything it does not serve reaching Fastify.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DashboardService } from '../dashboard/harness.js'
import { USERS, startDashboardService } from '../dashboard/harness.js'
import { headersOf } from '../helpers/headers.js'

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

async function publish(): Promise<string> {
  const res = await api('POST', '/feeds', { account_id: accountId, allowed_origins: [ORIGIN] })
  assert.equal(res.status, 201)
  return ((await res.json()) as { id: string }).id
}

/** The highest request number Fastify has logged: it counts every request Fastify sees. */
async function fastifyRequestsSeen(): Promise<number> {
  // A request Fastify logs at info, so that the newest counter value is in the logs.
  assert.equal((await api('GET', '/feeds')).status, 200)
  const ids = svc.logs.flatMap((line) => {
    const m = /"reqId":"[0-9a-f]+-([0-9a-z]+)"/.exec(line)
    return m?.[1] === undefined ? [] : [parseInt(m[1], 36)]
  })
  return Math.max(...ids)
}

async function fed(id: string, query = '', headers: Record<string, string> = {}) {
  return fetch(`${svc.url}/feeds/${id}.json${query}`, { headers })
}

before(async () => {
  svc = await startDashboardService({ IGTOKEN_FEED_REFRESH_SECONDS: '60' })
  key = await svc.apiKey()
  accountId = await svc.connect(USERS.business)
})
after(async () => {
  await svc.close()
})

describe('the public feed lean path', () => {
  test('a fresh copy is answered before Fastify, with the same status, body and headers as the Fastify route', async () => {
    const id = await publish()
    // The first read loads the copy through Fastify (a miss is never the lean path's).
    assert.equal((await fed(id)).status, 200)
    for (const headers of [{ origin: ORIGIN }, { origin: 'https://elsewhere.example' }, {}]) {
      const lean = await fed(id, '', headers)
      const full = await fed(id, '?_=1732000000000', headers)
      assert.equal(lean.status, 200)
      assert.equal(full.status, 200)
      assert.deepEqual(headersOf(lean), headersOf(full), JSON.stringify(headers))
      assert.deepEqual(
        Buffer.from(await lean.arrayBuffer()),
        Buffer.from(await full.arrayBuffer()),
        'byte-equal bodies',
      )
    }
    // Checked independently of the code under test: Fastify numbers every request it sees.
    const before = await fastifyRequestsSeen()
    for (let i = 0; i < 5; i++) assert.equal((await fed(id, '', { origin: ORIGIN })).status, 200)
    assert.equal(
      await fastifyRequestsSeen(),
      before + 1,
      'the five feed reads never reached Fastify',
    )
    const withBuster = await fastifyRequestsSeen()
    assert.equal((await fed(id, '?_=1')).status, 200)
    assert.equal(await fastifyRequestsSeen(), withBuster + 2, 'a cache-buster goes to Fastify')
  })

  test('If-None-Match: 304 with the same headers on both paths; a HEAD goes to Fastify', async () => {
    const id = await publish()
    const first = await fed(id)
    const etag = first.headers.get('etag') ?? ''
    assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/)
    for (const match of [etag, `"other", W/${etag}`, '*']) {
      const headers = { 'if-none-match': match, origin: ORIGIN }
      const lean = await fed(id, '', headers)
      const full = await fed(id, '?_=2', headers)
      assert.equal(lean.status, 304, match)
      assert.equal(full.status, 304, match)
      assert.equal(await lean.text(), '')
      assert.deepEqual(headersOf(lean), headersOf(full), match)
    }
    assert.equal((await fed(id, '', { 'if-none-match': '"other"' })).status, 200)
    const head = await fetch(`${svc.url}/feeds/${id}.json`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('etag'), etag)
    const post = await fetch(`${svc.url}/feeds/${id}.json`, { method: 'POST' })
    assert.equal(post.status, 404, 'no such route: Fastify answers other methods')
  })

  test('an unpublished feed, and the feed of a removed account, answer 404 at once through the lean path too', async () => {
    const id = await publish()
    assert.equal((await fed(id)).status, 200)
    assert.equal((await fed(id)).status, 200)
    assert.equal((await api('DELETE', `/feeds/${id}`)).status, 204)
    const gone = await fed(id)
    assert.equal(gone.status, 404)
    assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'not_found')

    const other = await publish()
    assert.equal((await fed(other)).status, 200)
    assert.equal((await fed(other)).status, 200)
    assert.equal((await api('DELETE', `/accounts/${accountId}`)).status, 204)
    assert.equal((await fed(other)).status, 404)
    accountId = await svc.connect(USERS.business)
  })

  test('lean answers are counted in igtoken_http_requests_total', async () => {
    const id = await publish()
    assert.equal((await fed(id)).status, 200)
    const count = async () => {
      const text = await (await fetch(`${svc.url}/metrics`)).text()
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(
            'igtoken_http_requests_total{method="GET",route="/feeds/:id.json",status="200"}',
          ),
        )
      return Number(line?.split(' ').at(-1) ?? 0)
    }
    const before = await count()
    for (let i = 0; i < 3; i++) assert.equal((await fed(id)).status, 200)
    assert.equal(await count(), before + 3)
  })
})
