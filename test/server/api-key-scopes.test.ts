import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { API_KEY_SCOPES } from '../../src/broker/api-key-scopes.js'
import type { RequiredScope } from '../../src/broker/api-key-scopes.js'
import { createScopedApiKey } from '../../src/broker/api-keys.js'
import { ServiceError } from '../../src/broker/service-error.js'
import { createApiKey } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import {
  SERVICE_DIALECTS,
  connectThroughBrowserless,
  startTestService,
} from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

/** The tables a refused request must leave as they were (api_keys' last_used_at may move). */
const WATCHED = ['accounts', 'tokens', 'feeds', 'webhook_subscribers', 'events'] as const

function anyOf(required: RequiredScope): readonly string[] {
  return typeof required === 'string' ? [required] : required
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`API key scopes [${dialect}]`, () => {
    let svc: TestService
    let all: string
    let accountId: string
    let feedId: string
    let webhookId: string

    async function keyWith(scopes: readonly string[]): Promise<string> {
      return (await createApiKey(svc.service.store, { name: 'scoped', now: Date.now(), scopes }))
        .key
    }

    function api(path: string, key: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${key}`)
      if (init.body !== undefined) headers.set('content-type', 'application/json')
      return fetch(`${svc.url}/api/v1${path}`, { ...init, headers })
    }

    /** Every watched row, read with raw SQL (not through the repositories under test). */
    async function snapshot(): Promise<string> {
      const rows: unknown[] = []
      for (const table of WATCHED) {
        const result = await sql`select * from ${sql.table(table)} order by id`.execute(
          svc.service.store.db,
        )
        rows.push(table, result.rows)
      }
      return JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
    }

    before(async () => {
      svc = await startTestService({}, { dialect })
      all = await svc.apiKey()
      const connected = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
      assert.equal(connected.response.status, 200)
      const list = (await (await api('/accounts', all)).json()) as { data: { id: string }[] }
      accountId = list.data[0]?.id ?? ''
      const feed = await api('/feeds', all, {
        method: 'POST',
        body: JSON.stringify({ account_id: accountId }),
      })
      assert.equal(feed.status, 201)
      feedId = ((await feed.json()) as { id: string }).id
      const hook = await api('/webhooks', all, {
        method: 'POST',
        body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', secret: 's'.repeat(24) }),
      })
      assert.equal(hook.status, 201)
      webhookId = ((await hook.json()) as { id: string }).id
    })
    after(async () => {
      await svc.close()
    })

    /** Every /api/v1 route as Fastify registered it (HEAD is GET's twin). */
    function apiRoutes() {
      return svc.service.app.registeredRoutes.filter(
        (r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD',
      )
    }

    /** A request that would succeed (real ids, valid bodies) were the scope there. */
    function realRequest(method: string, url: string): { path: string; init: RequestInit } {
      const path = url
        .replace('/api/v1', '')
        .replace(/\/feeds\/:id/, `/feeds/${feedId}`)
        .replace(/\/webhooks\/:id/, `/webhooks/${webhookId}`)
        .replace(':id', accountId)
        .replace('*', 'me')
        .replace(/\/$/, '')
      const bodies: Record<string, unknown> = {
        '/feeds': { account_id: accountId },
        '/webhooks': { url: 'http://127.0.0.1:9/other', secret: 't'.repeat(24) },
        '/connect-links': { label: 'client' },
      }
      const body = method === 'POST' ? bodies[path] : undefined
      return {
        path,
        init: { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
      }
    }

    test('every /api/v1 route declares a scope that exists', () => {
      const routes = apiRoutes()
      assert.ok(routes.length >= 12, `found ${routes.length} routes`)
      for (const route of routes) {
        assert.ok(route.scope !== undefined, `${route.method} ${route.url} declares no scope`)
        for (const scope of anyOf(route.scope)) {
          assert.ok((API_KEY_SCOPES as readonly string[]).includes(scope), scope)
        }
      }
    })

    test('a key lacking the route’s scope gets 403 forbidden_scope and nothing changes', async () => {
      for (const route of apiRoutes()) {
        const lacking = API_KEY_SCOPES.filter((s) => !anyOf(route.scope ?? []).includes(s))
        const key = await keyWith(lacking)
        const before = await snapshot()
        const { path, init } = realRequest(route.method, route.url)
        const res = await api(path, key, init)
        const label = `${route.method} ${path}`
        assert.equal(res.status, 403, label)
        const body = (await res.json()) as { error: { code: string; message: string } }
        assert.equal(body.error.code, 'forbidden_scope', label)
        assert.doesNotMatch(JSON.stringify(body), /access_token|IGQ|EAA/, label)
        assert.equal(await snapshot(), before, `${label} changed nothing`)
      }
    })

    test('a key holding only the route’s scope is let through (any answer but 403)', async () => {
      for (const route of apiRoutes()) {
        for (const scope of anyOf(route.scope ?? [])) {
          const key = await keyWith([scope])
          // Unknown ids: the route runs and answers 404/400, but nothing real is removed.
          const path = route.url
            .replace('/api/v1', '')
            .replace(':id', 'nope_0000')
            .replace('*', 'me')
          const init: RequestInit = { method: route.method }
          if (route.method === 'POST') init.body = '{}'
          const res = await api(path, key, init)
          assert.notEqual(res.status, 403, `${route.method} ${path} with ${scope}`)
          assert.notEqual(res.status, 401, `${route.method} ${path} with ${scope}`)
        }
      }
    })

    test('a key for a website’s feed (graph:read) lists accounts but cannot read a token', async () => {
      const website = await keyWith(['graph:read'])
      assert.equal((await api('/accounts', website)).status, 200)
      const token = await api(`/accounts/${accountId}/token`, website)
      assert.equal(token.status, 403)
      const text = await token.text()
      assert.match(text, /tokens:read/)
      assert.doesNotMatch(text, /access_token/)
      assert.equal((await api(`/accounts/${accountId}/token`, all)).status, 200)
    })

    test('the OpenAPI document names each route’s scope', async () => {
      const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { security?: { apiKey?: string[] }[] }>>
      }
      for (const route of apiRoutes()) {
        const path = route.url
          .replace(/:([A-Za-z_]+)/g, '{$1}')
          .replace(/\/\*$/, '/{*}')
          .replace(/(.)\/$/, '$1')
        const security = doc.paths[path]?.[route.method.toLowerCase()]?.security
        assert.deepEqual(
          security,
          [{ apiKey: [...anyOf(route.scope ?? [])] }],
          `${route.method} ${path}`,
        )
      }
    })

    test('keys made before scopes (the column default) hold every scope', async () => {
      const rows = await sql<{
        scopes: string
      }>`select scopes from api_keys where scopes = ${API_KEY_SCOPES.join(',')}`.execute(
        svc.service.store.db,
      )
      assert.ok(rows.rows.length >= 1, 'the helper key, created without scopes, has them all')
    })

    test('bad scopes are refused at creation: unknown, malformed, empty; nothing stored', async () => {
      const keyCount = async () =>
        Number(
          (
            await sql<{ n: number | string }>`select count(*) as n from api_keys`.execute(
              svc.service.store.db,
            )
          ).rows[0]?.n,
        )
      const before = await keyCount()
      await assert.rejects(
        createApiKey(svc.service.store, { name: 'x', now: Date.now(), scopes: [] }),
        /scopes/,
      )
      await assert.rejects(
        createApiKey(svc.service.store, { name: 'x', now: Date.now(), scopes: ['tokens'] }),
        /scopes/,
      )
      // Well-formed but unknown: the domain's list decides (the store checks only the shape).
      for (const scopes of [['tokens:wrote'], ['graph:read', 'admin:all'], []]) {
        await assert.rejects(
          createScopedApiKey({ store: svc.service.store, now: Date.now }, { name: 'x', scopes }),
          (error: unknown) => error instanceof ServiceError && error.code === 'invalid_request',
        )
      }
      assert.equal(await keyCount(), before)
    })
  })
}
