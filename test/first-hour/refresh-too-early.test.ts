import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'kysely'
import { getFlavor } from '../../src/meta/index.js'
import { USERS, csrfOf, signIn, startDashboardService, visit } from '../dashboard/harness.js'
import type { DashboardService } from '../dashboard/harness.js'

// Issue #15 item 9: "Refresh now" on a new account showed `invalid_request`, an empty history,
// and silently moved "Next refresh". Now: Meta's rule in words, the attempt in the history, the
// schedule kept, and no parameter names in API messages.

let svc: DashboardService
before(async () => {
  svc = await startDashboardService()
})
after(() => svc.close())

async function tokenRow(accountId: string) {
  // Read with raw SQL, not through the code under test.
  const { rows } = await sql<{
    issued_at: number | string
    next_refresh_at: number | string | null
  }>`select issued_at, next_refresh_at from tokens where account_id = ${accountId}`.execute(
    svc.service.store.db,
  )
  const [row] = rows
  assert.ok(row !== undefined)
  return { issuedAt: Number(row.issued_at), nextRefreshAt: Number(row.next_refresh_at) }
}

test('Refresh now on a new account: the rule in words, the attempt in the history, the schedule kept', async () => {
  const id = await svc.connect(USERS.business)
  const before = await tokenRow(id)
  const from = before.issuedAt + getFlavor('instagram-login').minRefreshAgeSeconds * 1000
  const jar = await signIn(svc.url)
  const page = await visit(jar, `${svc.url}/dashboard/accounts/${id}`)
  assert.match(
    page.html,
    new RegExp(
      `A token can be refreshed 24 h after it was issued: from <time datetime="${new Date(from).toISOString()}">`,
    ),
  )
  const done = await visit(jar, `${svc.url}/dashboard/accounts/${id}/refresh`, {
    form: { _csrf: csrfOf(page.html) },
  })
  assert.equal(done.response.status, 303)
  const location = done.response.headers.get('location') ?? ''
  assert.match(location, /\?failed=too_early$/)
  const after = await visit(jar, `${svc.url}${location}`)
  assert.match(
    after.html,
    /Too early: a token can be refreshed 24 h after it was issued: from <time/,
  )
  assert.match(after.html, /token\.refresh_failed/, 'the attempt is in the history')
  assert.match(after.html, /error: too_early/)
  assert.doesNotMatch(after.html, /issuedAt/)
  assert.deepEqual(await tokenRow(id), before, 'the token and its schedule are unchanged')
})

test('the API says the rule in words and never names a parameter', async () => {
  const id = await svc.connect(USERS.creator)
  const before = await tokenRow(id)
  const key = await svc.apiKey()
  const r = await fetch(`${svc.url}/api/v1/accounts/${id}/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  })
  assert.equal(r.status, 400)
  const body = (await r.json()) as { error: { code: string; message: string } }
  assert.equal(body.error.code, 'invalid_request')
  assert.match(
    body.error.message,
    /^a token can be refreshed 24 h after it was issued: this one from /,
  )
  assert.doesNotMatch(JSON.stringify(body), /issuedAt|expiresAt|"[a-z]+[A-Z][a-zA-Z]*"/)
  assert.deepEqual(await tokenRow(id), before)
  // The refused attempt let go of its lease: a second ask meets the same rule, not `busy`.
  const { rows } = await sql<{
    lease_owner: string | null
  }>`select lease_owner from tokens where account_id = ${id}`.execute(svc.service.store.db)
  assert.equal(rows[0]?.lease_owner, null)
  const again = await fetch(`${svc.url}/api/v1/accounts/${id}/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  })
  assert.equal(again.status, 400)
  assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'invalid_request')
})
