import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { after, before, describe, test } from 'node:test'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { api } from './link-flow.js'

for (const dialect of SERVICE_DIALECTS) {
  describe(`connect links API [${dialect}]`, () => {
    let svc: TestService
    let key: string
    before(async () => {
      svc = await startTestService(
        {
          IGTOKEN_REFRESH_ENABLED: 'false',
          IGTOKEN_CONNECT_LINK_RETURN_ORIGINS: 'https://agency.example',
        },
        { dialect },
      )
      key = await svc.apiKey()
    })
    after(() => svc.close())

    async function rowCount(): Promise<number> {
      const result = await sql<{
        n: number | string
      }>`select count(*) as n from connect_links`.execute(svc.service.store.db)
      return Number(result.rows[0]?.n)
    }

    test('create answers the URL once; only its SHA-256 is stored; list shows the state', async () => {
      const created = await api(svc.url, key, '/api/v1/connect-links', {
        method: 'POST',
        body: {
          label: 'Acme Bakery',
          metadata: { customer_id: 'cus-42', plan: 'gold', seats: 3 },
          scopes: ['instagram_business_basic', 'instagram_business_manage_insights'],
          return_to: 'https://agency.example/onboarded?c=42',
          expires_in_seconds: 3600,
        },
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const url = String(created.body['url'])
      const link = created.body['link'] as Record<string, unknown>
      assert.match(url, new RegExp(`^${svc.url}/link/[A-Za-z0-9_-]{43}$`))
      assert.equal(link['state'], 'pending')
      assert.deepEqual(link['metadata'], { customer_id: 'cus-42', plan: 'gold', seats: 3 })
      const secret = url.slice(url.lastIndexOf('/') + 1)
      const rows = await sql<{
        token_hash: string
        expires_at: number | string
        created_at: number | string
      }>`
        select token_hash, expires_at, created_at from connect_links where id = ${String(link['id'])}`.execute(
        svc.service.store.db,
      )
      const row = rows.rows[0]
      assert.ok(row)
      assert.equal(row.token_hash, createHash('sha256').update(secret).digest('hex'))
      assert.equal(Number(row.expires_at) - Number(row.created_at), 3_600_000)
      // The secret is nowhere in the table.
      const dump = await sql`select * from connect_links`.execute(svc.service.store.db)
      assert.ok(!JSON.stringify(dump.rows).includes(secret))

      const listed = await api(svc.url, key, '/api/v1/connect-links?limit=10')
      assert.equal(listed.status, 200)
      const data = listed.body['data'] as Record<string, unknown>[]
      assert.ok(data.some((l) => l['id'] === link['id'] && l['state'] === 'pending'))
      assert.ok(!JSON.stringify(listed.body).includes(secret))
    })

    test('bad input is refused with 400 and stores nothing', async () => {
      const before = await rowCount()
      const bad: [string, unknown][] = [
        ['unknown scope', { scopes: ['instagram_business_basic', 'pages_show_list'] }],
        ['return_to off-origin', { return_to: 'https://evil.example/x' }],
        ['return_to protocol-relative', { return_to: '//evil.example/x' }],
        ['metadata too big', { metadata: { note: 'x'.repeat(990), more: 'y'.repeat(20) } }],
        [
          'metadata with too many keys',
          { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) },
        ],
        [
          'metadata secret-looking value',
          { metadata: { ref: 'EAAGm0PX4ZCpsBAKZAh3ZBm9xJ1kZCQ7vZBx8n2' } },
        ],
        ['metadata secret key', { metadata: { access_token: 'short' } }],
        ['metadata nested value', { metadata: { nested: { a: 1 } } }],
        ['expiry too long', { expires_in_seconds: 30 * 86_400 + 1 }],
        ['expiry too short', { expires_in_seconds: 10 }],
        ['label with markup', { label: '<script>' }],
        ['unknown field', { owner: 'x' }],
      ]
      for (const [name, body] of bad) {
        const res = await api(svc.url, key, '/api/v1/connect-links', { method: 'POST', body })
        assert.ok(res.status === 400, `${name}: ${res.status} ${JSON.stringify(res.body)}`)
        const code = (res.body['error'] as { code: string }).code
        assert.ok(['invalid_request', 'return_to_refused'].includes(code), `${name}: ${code}`)
      }
      assert.equal(await rowCount(), before)
      const noKey = await fetch(`${svc.url}/api/v1/connect-links`, { method: 'POST' })
      assert.equal(noKey.status, 401)
    })

    test('cancel: 404 for an unknown id, the link page then answers 410; cancelling twice is harmless', async () => {
      const created = await api(svc.url, key, '/api/v1/connect-links', { method: 'POST', body: {} })
      const link = created.body['link'] as { id: string }
      const url = String(created.body['url'])
      assert.equal((await fetch(url)).status, 200)
      const unknown = await api(svc.url, key, '/api/v1/connect-links/lnk_nope', {
        method: 'DELETE',
      })
      assert.equal(unknown.status, 404)
      const cancelled = await api(svc.url, key, `/api/v1/connect-links/${link.id}`, {
        method: 'DELETE',
      })
      assert.equal(cancelled.status, 200)
      assert.equal(cancelled.body['state'], 'cancelled')
      const again = await api(svc.url, key, `/api/v1/connect-links/${link.id}`, {
        method: 'DELETE',
      })
      assert.equal(again.status, 200)
      const page = await fetch(url)
      assert.equal(page.status, 410)
      const start = await fetch(url, { method: 'POST', redirect: 'manual' })
      assert.equal(start.status, 410)
    })

    test('an expired link answers 410 and lists as expired; an unknown one 404; the secret never reaches the logs', async () => {
      const created = await api(svc.url, key, '/api/v1/connect-links', {
        method: 'POST',
        body: { expires_in_seconds: 60 },
      })
      const url = String(created.body['url'])
      const secret = url.slice(url.lastIndexOf('/') + 1)
      await svc.advance(61_000)
      const page = await fetch(url)
      assert.equal(page.status, 410)
      const html = await page.text()
      assert.match(html, /expired/)
      assert.ok(!html.includes(secret))
      const listed = await api(svc.url, key, '/api/v1/connect-links')
      const data = listed.body['data'] as { id: string; state: string }[]
      const id = (created.body['link'] as { id: string }).id
      assert.equal(data.find((l) => l.id === id)?.state, 'expired')
      const unknown = await fetch(`${svc.url}/link/${'A'.repeat(43)}`)
      assert.equal(unknown.status, 404)
      assert.ok(!(await unknown.text()).includes('A'.repeat(43)))
      assert.ok(svc.logs.some((line) => line.includes('/link/[redacted]')))
      for (const line of svc.logs) assert.ok(!line.includes(secret), line)
      for (const line of svc.logs) assert.ok(!line.includes('A'.repeat(43)), line)
    })
  })
}
