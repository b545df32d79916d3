import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { within } from '../cross-process/until.js'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const DAY = 86_400_000

describe('health, readiness and metrics', () => {
  let svc: TestService
  before(async () => {
    svc = await startTestService()
  })
  after(async () => {
    await svc.close()
  })

  test('/healthz and /readyz answer ok when the database is migrated', async () => {
    assert.deepEqual(await (await fetch(`${svc.url}/healthz`)).json(), { ok: true })
    const ready = await fetch(`${svc.url}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { ok: true, meta: { status: 'off', failed: [] } })
  })

  test('/metrics counts connects, HTTP requests, accounts by status and tokens by days to expiry', async () => {
    const done = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
    assert.equal(done.response.status, 200)
    const text = await (await fetch(`${svc.url}/metrics`)).text()
    assert.match(text, /^igtoken_connects_total\{outcome="connected"\} 1$/m)
    assert.match(text, /^igtoken_accounts_by_status\{status="active"\} 1$/m)
    assert.match(text, /^igtoken_tokens_by_days_to_expiry\{bucket="60"\} 1$/m)
    assert.match(text, /^igtoken_tokens_by_days_to_expiry\{bucket="45"\} 0$/m)
    assert.match(
      text,
      /^igtoken_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m,
    )
    for (const secret of [
      done.cookie.split('=')[1] ?? '',
      new URL(done.callbackUrl).searchParams.get('code') ?? '',
    ]) {
      assert.ok(secret !== '' && !text.includes(secret))
    }
  })

  test('unknown paths answer 404 as a page or as JSON', async () => {
    const page = await fetch(`${svc.url}/nope`)
    assert.equal(page.status, 404)
    assert.match(await page.text(), /Not found/)
    const api = await fetch(`${svc.url}/api/v2/nope`)
    assert.equal(api.status, 404)
    assert.deepEqual(await api.json(), {
      error: { code: 'not_found', message: 'there is nothing at this address' },
    })
  })

  test('security headers are set', async () => {
    const res = await fetch(`${svc.url}/`)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer')
  })

  test('an oversized callback body is refused with 413 and changes nothing', async () => {
    const res = await fetch(`${svc.url}/meta/data-deletion`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `signed_request=${'a'.repeat(200 * 1024)}`,
    })
    assert.equal(res.status, 413)
    const count = await svc.service.store.db
      .selectFrom('deletion_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    assert.equal(count.n, 0)
  })
})

describe('rate limits and shutdown', () => {
  test('past the per-minute limit the API answers 429 with the error body', async () => {
    const svc = await startTestService({ IGTOKEN_RATE_LIMIT_PER_MINUTE: '3' })
    try {
      const statuses: number[] = []
      let last: Response | undefined
      for (let i = 0; i < 5; i++) {
        last = await fetch(`${svc.url}/api/v1/accounts`)
        statuses.push(last.status)
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429])
      assert.equal(((await last?.json()) as { error: { code: string } }).error.code, 'rate_limited')
      assert.equal((await fetch(`${svc.url}/healthz`)).status, 200, 'health is never rate limited')
    } finally {
      await svc.close()
    }
  })

  test('close() lets an in-flight request finish, then closes the database', async () => {
    const svc = await startTestService()
    const key = await svc.apiKey()
    const done = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
    assert.equal(done.response.status, 200)
    const list = (await (
      await fetch(`${svc.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: { id: string }[]
    }
    await svc.advance(2 * DAY)
    await svc.control.setFaults({
      rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: 400 }],
    })
    const inflight = fetch(`${svc.url}/api/v1/accounts/${list.data[0]?.id ?? ''}/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    })
    // In flight once the refresh holds the token's lease: it is then talking to Meta (400 ms).
    const accountId = list.data[0]?.id ?? ''
    await within(
      5_000,
      async () =>
        (
          await svc.service.store.db
            .selectFrom('tokens')
            .select('lease_owner')
            .where('account_id', '=', accountId)
            .executeTakeFirst()
        )?.lease_owner != null,
      'the refresh to hold its lease',
    )
    const closing = svc.close()
    const res = await inflight
    assert.equal(res.status, 200)
    await closing
    await assert.rejects(fetch(`${svc.url}/healthz`))
  })
})
