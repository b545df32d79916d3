import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

// A token read never needs SQLite's write lock: with another process holding it (a worker, a
// backup, rotate-keys), the read still answers at once. `last_used_at` is best-effort.
describe('SQLite only: a token read while another connection holds the write lock', () => {
  let svc: TestService
  let accountId: string
  before(async () => {
    svc = await startTestService({ IGTOKEN_TOKEN_CACHE_SECONDS: '0' })
    const { response } = await connectThroughBrowserless(svc.url, (u) =>
      answerConsent(u, 'allow', { userId: '17841405793187218' }),
    )
    assert.equal(response.status, 200)
    const { rows } = await sql<{ id: string }>`SELECT id FROM accounts`.execute(
      svc.service.store.db,
    )
    accountId = rows[0]?.id ?? ''
  })
  after(async () => {
    await svc.close()
  })

  test('a never-used key reads the token with 200 within a second; the lock holder is unharmed', async () => {
    const key = await svc.apiKey('under-lock')
    const other = new BetterSqlite3(join(svc.dataDir, 'igtoken.db'), { timeout: 0 })
    try {
      other.exec('BEGIN IMMEDIATE')
      other.prepare("UPDATE api_keys SET name = 'held' WHERE name = 'under-lock'").run()
      const started = Date.now()
      const res = await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(10_000),
      })
      const elapsed = Date.now() - started
      assert.equal(res.status, 200, await res.clone().text())
      const body = (await res.json()) as { access_token: string }
      assert.ok(body.access_token.length > 10)
      assert.ok(elapsed < 1000, `answered in ${elapsed} ms`)
      other.exec('COMMIT')
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK')
      other.close()
    }
    // The holder's write went through; the missed touch is simply made by a later request.
    const { rows } = await sql<{
      name: string
    }>`SELECT name FROM api_keys WHERE name = 'held'`.execute(svc.service.store.db)
    assert.equal(rows.length, 1)
    const again = await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, {
      headers: { authorization: `Bearer ${key}` },
    })
    assert.equal(again.status, 200)
  })
})
