// The token API's lean path (src/server/token-lean-path.ts) answers cached token reads before
// Fastify. What it must keep: the route's answer, header for header; every refusal the route
// makes (revoked key, missing scope, failed keys, the per-key budget, a removed account); and
// everything it does not serve reaching Fastify. Which path answered is read from the logs at
// debug: Fastify writes `incoming request` for each request it sees, the lean path never does.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { revokeApiKey } from '../../src/broker/revoke-api-key.js'
import { createApiKey } from '../../src/store/index.js'
import type { DashboardService } from '../dashboard/harness.js'
import { USERS, startDashboardService } from '../dashboard/harness.js'
import { headersOf } from '../helpers/headers.js'

const BUDGET = 12
let svc: DashboardService
let accountId: string

function read(key: string, path = `/api/v1/accounts/${accountId}/token`): Promise<Response> {
  return fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${key}` } })
}

/** How many requests for `path` Fastify has seen (its `incoming request` lines at debug). */
function seenByFastify(path: string): number {
  return svc.logs.filter((line) => {
    const entry = JSON.parse(line) as { msg?: string; req?: { url?: string } }
    return entry.msg === 'incoming request' && entry.req?.url === path
  }).length
}

/** The access lines for `path`: one per request, whichever path answered. */
function accessLines(path: string): { reqId: string; res: { statusCode: number } }[] {
  return svc.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((e) => e['msg'] === 'request completed' && (e['req'] as { url?: string }).url === path)
    .map((e) => e as unknown as { reqId: string; res: { statusCode: number } })
}

async function newKey(scopes?: readonly string[]): Promise<{ id: string; key: string }> {
  const created = await createApiKey(svc.service.store, {
    name: 'lean',
    now: Date.now(),
    ...(scopes === undefined ? {} : { scopes }),
  })
  return { id: created.id, key: created.key }
}

before(async () => {
  svc = await startDashboardService({
    IGTOKEN_LOG_LEVEL: 'debug',
    IGTOKEN_API_KEY_RATE_LIMIT_PER_MINUTE: String(BUDGET),
  })
  accountId = await svc.connect(USERS.business)
})
after(async () => {
  await svc.close()
})

describe('the token API lean path', () => {
  test('a cached read is answered before Fastify, with the same status, body and headers as the route', async () => {
    const { key } = await newKey()
    const path = `/api/v1/accounts/${accountId}/token`
    const first = await read(key)
    assert.equal(first.status, 200)
    assert.equal(
      seenByFastify(path),
      1,
      'the first read (key and token not yet known) is Fastify’s',
    )
    const second = await read(key)
    assert.equal(second.status, 200)
    assert.equal(seenByFastify(path), 1, 'the second read never reached Fastify')
    const [a, b] = [headersOf(first), headersOf(second)]
    // The budget left is one less; everything else is equal.
    assert.equal(Number(a['x-ratelimit-remaining']) - 1, Number(b['x-ratelimit-remaining']))
    delete a['x-ratelimit-remaining']
    delete b['x-ratelimit-remaining']
    assert.deepEqual(b, a)
    const body = Buffer.from(await second.arrayBuffer())
    assert.deepEqual(body, Buffer.from(await first.arrayBuffer()), 'byte-equal bodies')
    const token = JSON.parse(body.toString('utf8')) as { access_token: string }
    // Checked independently: the emulator accepts the served token as this account's.
    const me = await fetch(
      `${svc.service.emulatorUrl ?? ''}/graph.instagram.com/v25.0/me?fields=user_id&access_token=${encodeURIComponent(token.access_token)}`,
    )
    assert.equal(me.status, 200)
    assert.equal(((await me.json()) as { user_id: string }).user_id, USERS.business)
    // One access line per request, each with its own id, and neither holds the key.
    const lines = accessLines(path)
    assert.equal(lines.length, 2)
    assert.notEqual(lines[0]?.reqId, lines[1]?.reqId)
    assert.ok(!svc.logs.some((line) => line.includes(key) || line.includes(token.access_token)))
  })

  test('the per-key budget is one for both paths: the read after it is 429', async () => {
    const { key } = await newKey()
    const remaining: number[] = []
    for (let i = 0; i < BUDGET; i++) {
      const res = await read(key)
      assert.equal(res.status, 200, `read ${i + 1}`)
      remaining.push(Number(res.headers.get('x-ratelimit-remaining')))
    }
    assert.deepEqual(
      remaining,
      Array.from({ length: BUDGET }, (_, i) => BUDGET - 1 - i),
    )
    const over = await read(key)
    assert.equal(over.status, 429)
    assert.equal(((await over.json()) as { error: { code: string } }).error.code, 'rate_limited')
  })

  test('a key without tokens:read is refused (403) however often it asks', async () => {
    const { key } = await newKey(['accounts:manage'])
    for (let i = 0; i < 3; i++) {
      const res = await read(key)
      assert.equal(res.status, 403)
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'forbidden_scope',
      )
    }
  })

  test('a query string or a trailing slash goes to the route', async () => {
    const { key } = await newKey()
    const path = `/api/v1/accounts/${accountId}/token`
    assert.equal((await read(key)).status, 200)
    const before = seenByFastify(`${path}?x=1`)
    const unknown = await read(key, `${path}?x=1`)
    assert.equal(unknown.status, 400, 'the route refuses undeclared query parameters')
    assert.equal(seenByFastify(`${path}?x=1`), before + 1)
    assert.equal((await read(key, `${path}/`)).status, 200)
    assert.equal(seenByFastify(`${path}/`), 1)
  })

  test('an unknown account is answered 404 by either path with the same headers and body', async () => {
    const path = '/api/v1/accounts/acc_missing/token'
    const { key } = await newKey()
    const full = await read(key, path)
    assert.equal(seenByFastify(path), 1, 'a key not yet known goes to the route')
    const lean = await read(key, path)
    assert.equal(seenByFastify(path), 1, 'the second answer is the lean path’s')
    assert.equal(full.status, 404)
    assert.equal(lean.status, 404)
    const [a, b] = [headersOf(full), headersOf(lean)]
    delete a['x-ratelimit-remaining']
    delete b['x-ratelimit-remaining']
    assert.deepEqual(b, a)
    assert.equal(await lean.text(), await full.text())
  })

  test('a removed account is 404 at once, though its token was in memory', async () => {
    const id = await svc.connect(USERS.creator)
    const { key } = await newKey()
    assert.equal((await read(key, `/api/v1/accounts/${id}/token`)).status, 200)
    assert.equal((await read(key, `/api/v1/accounts/${id}/token`)).status, 200)
    const removed = await fetch(`${svc.url}/api/v1/accounts/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}` },
    })
    assert.equal(removed.status, 204)
    assert.equal((await read(key, `/api/v1/accounts/${id}/token`)).status, 404)
  })

  test('lean answers are counted in the metrics under the route', async () => {
    const { key } = await newKey()
    const metricsText = async () => (await fetch(`${svc.url}/metrics`)).text()
    const count = (text: string) =>
      Number(
        /igtoken_http_requests_total\{method="GET",route="\/api\/v1\/accounts\/:id\/token",status="200"\} (\d+)/.exec(
          text,
        )?.[1] ?? 0,
      )
    assert.equal((await read(key)).status, 200)
    const before = count(await metricsText())
    for (let i = 0; i < 3; i++) assert.equal((await read(key)).status, 200)
    assert.equal(count(await metricsText()), before + 3)
  })

  // Last: a 401 turns the lean path off for the rest of the window.
  test('a revoked key is refused on the very next read', async () => {
    const { id, key } = await newKey()
    assert.equal((await read(key)).status, 200)
    assert.equal((await read(key)).status, 200)
    assert.equal(await revokeApiKey(svc.service.runtime.ctx, id), true)
    assert.equal((await read(key)).status, 401)
  })

  test('after a failed key, reads go through Fastify for the window and still succeed', async () => {
    const { key } = await newKey()
    const path = `/api/v1/accounts/${accountId}/token`
    assert.equal((await read(key)).status, 200)
    assert.equal((await read('not-a-key')).status, 401)
    const before = seenByFastify(path)
    assert.equal((await read(key)).status, 200)
    assert.equal(seenByFastify(path), before + 1, 'answered by the route, which checks the address')
  })
})

describe('the token API lean path behind a trusted proxy', () => {
  test('its access line names the same client address as the route’s', async () => {
    const proxied = await startDashboardService({ IGTOKEN_TRUST_PROXY: 'loopback' })
    try {
      const id = await proxied.connect(USERS.business)
      const key = await proxied.apiKey()
      const path = `/api/v1/accounts/${id}/token`
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${proxied.url}${path}`, {
          headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': '203.0.113.9' },
        })
        assert.equal(res.status, 200)
      }
      const ips = proxied.logs
        .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string; ip?: string } })
        .filter((e) => e.msg === 'request completed' && e.req?.url === path)
        .map((e) => e.req?.ip)
      assert.deepEqual(ips, ['203.0.113.9', '203.0.113.9'])
    } finally {
      await proxied.close()
    }
  })
})

describe('the token API lean path with the token cache off', () => {
  test('every read by a known key is answered before Fastify, with the stored token', async () => {
    const uncached = await startDashboardService({
      IGTOKEN_LOG_LEVEL: 'debug',
      IGTOKEN_TOKEN_CACHE_SECONDS: '0',
    })
    try {
      const id = await uncached.connect(USERS.business)
      const key = await uncached.apiKey()
      const path = `/api/v1/accounts/${id}/token`
      const bodies: string[] = []
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${uncached.url}${path}`, {
          headers: { authorization: `Bearer ${key}` },
        })
        assert.equal(res.status, 200)
        bodies.push(await res.text())
      }
      const seen = uncached.logs.filter((line) => {
        const entry = JSON.parse(line) as { msg?: string; req?: { url?: string } }
        return entry.msg === 'incoming request' && entry.req?.url === path
      }).length
      assert.equal(seen, 1, 'only the first read (its key not yet known) reached Fastify')
      assert.equal(new Set(bodies).size, 1)
      // Checked independently: the token is the one stored, sealed, for this account.
      const stored = await sql<{ n: number }>`
        SELECT COUNT(*) AS n FROM tokens WHERE account_id = ${id}`.execute(
        uncached.service.store.db,
      )
      assert.equal(Number(stored.rows[0]?.n), 1)
      const served = JSON.parse(bodies[0] ?? '{}') as { access_token: string; account_id: string }
      assert.equal(served.account_id, id)
      const me = await fetch(
        `${uncached.service.emulatorUrl ?? ''}/graph.instagram.com/v25.0/me?fields=user_id&access_token=${encodeURIComponent(served.access_token)}`,
      )
      assert.equal(((await me.json()) as { user_id: string }).user_id, USERS.business)
    } finally {
      await uncached.close()
    }
  })
})
