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
  describe(`connect [${dialect}]`, () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    async function accountCount(): Promise<number> {
      const row = await svc.service.store.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return row.n
    }

    async function startConnect(query = ''): Promise<{ location: string; cookie: string }> {
      const res = await fetch(`${svc.url}/connect${query}`, { redirect: 'manual' })
      assert.equal(res.status, 302)
      const location = res.headers.get('location')
      assert.ok(location)
      return { location, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' }
    }

    describe('connect flow failures: a clear page, a 4xx or 502, and nothing stored', () => {
      test('Cancel on the consent page', async () => {
        const before = await accountCount()
        const { location, cookie } = await startConnect()
        const callback = await answerConsent(location, 'cancel')
        assert.match(callback, /error=access_denied/)
        const res = await fetch(callback, { headers: { cookie } })
        assert.equal(res.status, 400)
        const html = await res.text()
        assert.match(html, /cancelled/)
        assert.match(html, /href="\/connect"/)
        assert.equal(await accountCount(), before)
      })

      test('missing state', async () => {
        const res = await fetch(`${svc.url}/callback?code=abc`, {
          headers: { accept: 'application/json' },
        })
        assert.equal(res.status, 400)
        assert.deepEqual(
          ((await res.json()) as { error: { code: string } }).error.code,
          'state_missing',
        )
      })

      test('unknown state', async () => {
        const { cookie } = await startConnect()
        const res = await fetch(`${svc.url}/callback?code=abc&state=${'x'.repeat(43)}`, {
          headers: { cookie, accept: 'application/json' },
        })
        assert.equal(res.status, 400)
        assert.equal(
          ((await res.json()) as { error: { code: string } }).error.code,
          'state_unknown',
        )
      })

      test('repeated state parameter', async () => {
        const res = await fetch(`${svc.url}/callback?code=a&state=b&state=c`, {
          headers: { accept: 'application/json' },
        })
        assert.equal(res.status, 400)
        assert.equal(
          ((await res.json()) as { error: { code: string } }).error.code,
          'state_missing',
        )
      })

      test('missing cookie', async () => {
        const before = await accountCount()
        const { location } = await startConnect()
        const callback = await answerConsent(location, 'allow')
        const res = await fetch(callback, { headers: { accept: 'application/json' } })
        assert.equal(res.status, 400)
        assert.equal(
          ((await res.json()) as { error: { code: string } }).error.code,
          'cookie_missing',
        )
        assert.equal(await accountCount(), before)
      })

      test('cookie from another browser', async () => {
        const first = await startConnect()
        const second = await startConnect()
        const callback = await answerConsent(first.location, 'allow')
        const res = await fetch(callback, {
          headers: { cookie: second.cookie, accept: 'application/json' },
        })
        assert.equal(res.status, 400)
        assert.equal(
          ((await res.json()) as { error: { code: string } }).error.code,
          'browser_mismatch',
        )
      })

      test('a code that was already used (replayed into a fresh state)', async () => {
        const first = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
        assert.equal(first.response.status, 200)
        const before = await accountCount()
        const usedCode = new URL(first.callbackUrl).searchParams.get('code') ?? ''
        const fresh = await startConnect()
        const state = new URL(fresh.location).searchParams.get('state') ?? ''
        const res = await fetch(
          `${svc.url}/callback?code=${encodeURIComponent(usedCode)}&state=${state}`,
          {
            headers: { cookie: fresh.cookie, accept: 'application/json' },
          },
        )
        assert.equal(res.status, 400)
        const body = (await res.json()) as { error: { code: string; message: string } }
        assert.equal(body.error.code, 'code_rejected')
        assert.match(body.error.message, /already used|not found/)
        assert.ok(!body.error.message.includes(usedCode))
        assert.equal(await accountCount(), before)
      })

      test('a replayed callback URL', async () => {
        const done = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
        assert.equal(done.response.status, 200)
        const replay = await fetch(done.callbackUrl, {
          headers: { cookie: done.cookie, accept: 'application/json' },
        })
        assert.equal(replay.status, 400)
        assert.equal(
          ((await replay.json()) as { error: { code: string } }).error.code,
          'state_used',
        )
      })

      test('an open redirect in return_to is refused before Meta is involved', async () => {
        for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
          const res = await fetch(`${svc.url}/connect?return_to=${encodeURIComponent(bad)}`, {
            redirect: 'manual',
            headers: { accept: 'application/json' },
          })
          assert.equal(res.status, 400, bad)
          assert.equal(
            ((await res.json()) as { error: { code: string } }).error.code,
            'return_to_refused',
          )
        }
      })

      test('Meta failing with 5xx answers 502 and stores nothing', async () => {
        // Every row of every table a connect writes, not a count: a connected user's reconnect
        // would leave the count alone while changing its token or adding an event.
        const snapshot = async () =>
          JSON.stringify(
            await Promise.all(
              (['accounts', 'tokens', 'events', 'webhook_deliveries'] as const).map((table) =>
                svc.service.store.db.selectFrom(table).selectAll().orderBy('id').execute(),
              ),
            ),
          )
        const before = await snapshot()
        await svc.control.setFaults({
          rules: [{ match: { endpoint: 'ig.oauth_access_token' }, errorRate: 1 }],
        })
        try {
          const res = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
          assert.equal(res.response.status, 502)
          assert.match(await res.response.text(), /Meta/)
        } finally {
          await svc.control.clearFaults()
        }
        assert.equal(await snapshot(), before)
      })
    })

    describe('connect flow success', () => {
      test('connects, shows the success page, and connecting again never duplicates', async () => {
        const first = await connectThroughBrowserless(svc.url, (u) =>
          answerConsent(u, 'allow', { userId: '17841405822304914' }),
        )
        assert.equal(first.response.status, 200)
        const html = await first.response.text()
        assert.match(html, /Account connected/)
        assert.match(html, /@emu_creator/)
        const count = await accountCount()
        const again = await connectThroughBrowserless(svc.url, (u) =>
          answerConsent(u, 'allow', { userId: '17841405822304914' }),
        )
        assert.equal(again.response.status, 200)
        assert.equal(await accountCount(), count)
      })

      test('return_to sends the browser back to a same-origin path', async () => {
        const start = await fetch(`${svc.url}/connect?return_to=%2Fdone%3Fx%3D1`, {
          redirect: 'manual',
        })
        const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
        const callback = await answerConsent(start.headers.get('location') ?? '', 'allow')
        const res = await fetch(callback, { headers: { cookie }, redirect: 'manual' })
        assert.equal(res.status, 303)
        assert.equal(res.headers.get('location'), `${svc.url}/done?x=1`)
      })
    })
  })
}
