import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createApiKey, listApiKeys } from '../../src/store/index.js'
import type { DashboardService } from './harness.js'
import { Jar, PASSWORD, csrfOf, signIn, startDashboardService, visit } from './harness.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

// The same suite on SQLite and on PostgreSQL (a fresh database each).
for (const dialect of SERVICE_DIALECTS) {
  describe(`dashboard sessions [${dialect}]`, () => {
    let svc: DashboardService

    async function sessionCount(): Promise<number> {
      const row = await svc.service.store.db
        .withTables<{ dashboard_sessions: { id: string } }>()
        .selectFrom('dashboard_sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return row.n
    }

    before(async () => {
      svc = await startDashboardService({ IGTOKEN_SESSION_TTL_HOURS: '2' }, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    describe('dashboard sign-in', () => {
      test('without a session every page sends the browser to the sign-in form', async () => {
        for (const path of ['', '/feeds', '/keys', '/webhooks', '/deletions', '/accounts/acc_x']) {
          const { response } = await visit(new Jar(), `${svc.url}/dashboard${path}`)
          assert.equal(response.status, 303, path)
          assert.equal(response.headers.get('location'), '/dashboard/sign-in')
        }
      })

      test('a form posted without a session is refused with 401 and changes nothing', async () => {
        const key = await createApiKey(svc.service.store, { name: 'kept', now: Date.now() })
        const { response, html } = await visit(
          new Jar(),
          `${svc.url}/dashboard/keys/${key.id}/revoke`,
          {
            form: { _csrf: 'x' },
          },
        )
        assert.equal(response.status, 401)
        assert.match(html, /Sign in first/)
        const stored = (await listApiKeys(svc.service.store)).find((k) => k.id === key.id)
        assert.equal(stored?.revoked_at, null)
      })

      test('a wrong password answers a 401 page and sets no session', async () => {
        const jar = new Jar()
        const form = await visit(jar, `${svc.url}/dashboard/sign-in`)
        const before = await sessionCount()
        const { response, html } = await visit(jar, `${svc.url}/dashboard/sign-in`, {
          form: { _csrf: csrfOf(form.html), password: 'not the password' },
        })
        assert.equal(response.status, 401)
        assert.match(html, /That password is not right/)
        assert.equal(jar.has('igtoken_session'), false)
        assert.equal(response.headers.getSetCookie().length, 0, 'nothing is set')
        assert.equal(await sessionCount(), before)
      })

      test('the right password without the form’s CSRF token is refused with 403', async () => {
        const jar = new Jar()
        await visit(jar, `${svc.url}/dashboard/sign-in`)
        const { response, html } = await visit(jar, `${svc.url}/dashboard/sign-in`, {
          form: { password: PASSWORD },
        })
        assert.equal(response.status, 403)
        assert.match(html, /This form has expired/)
        assert.equal(jar.has('igtoken_session'), false)
      })

      test('the right password opens a session: HttpOnly, SameSite=Lax, scoped to /dashboard', async () => {
        const jar = new Jar()
        const form = await visit(jar, `${svc.url}/dashboard/sign-in`)
        const { response } = await visit(jar, `${svc.url}/dashboard/sign-in`, {
          form: { _csrf: csrfOf(form.html), password: PASSWORD },
        })
        assert.equal(response.status, 303)
        assert.equal(response.headers.get('location'), '/dashboard')
        const cookie = response.headers.getSetCookie().find((c) => c.startsWith('igtoken_session='))
        assert.ok(cookie)
        assert.match(cookie, /HttpOnly/)
        assert.match(cookie, /SameSite=Lax/)
        assert.match(cookie, /Path=\/dashboard/)
        assert.doesNotMatch(cookie, /Secure/, 'not Secure over plain http')
        const page = await visit(jar, `${svc.url}/dashboard`)
        assert.equal(page.response.status, 200)
        assert.match(page.html, /<h1>Accounts<\/h1>/)
        assert.equal(page.response.headers.get('cache-control'), 'no-store')
      })

      test('the demo one-time link signs in once, and only once', async () => {
        const link = svc.service.signInUrl
        assert.ok(link)
        const path = new URL(link).pathname + new URL(link).search
        const first = await visit(new Jar(), `${svc.url}${path}`)
        assert.equal(first.response.status, 303)
        assert.ok(
          first.response.headers.getSetCookie().some((c) => c.startsWith('igtoken_session=')),
        )
        const again = await visit(new Jar(), `${svc.url}${path}`)
        assert.equal(again.response.status, 401)
        assert.match(again.html, /already used/)
        const wrong = await visit(new Jar(), `${svc.url}/dashboard/sign-in/link?token=nope`)
        assert.equal(wrong.response.status, 401)
        assert.ok(
          svc.logs.every((line) => !line.includes(new URL(link).searchParams.get('token') ?? '?')),
        )
      })

      test('a failed CSRF check on a signed-in form answers 403 and changes nothing', async () => {
        const jar = await signIn(svc.url)
        const key = await createApiKey(svc.service.store, { name: 'csrf probe', now: Date.now() })
        const { response, html } = await visit(jar, `${svc.url}/dashboard/keys/${key.id}/revoke`, {
          form: { _csrf: 'forged-token' },
        })
        assert.equal(response.status, 403)
        assert.match(html, /nothing was changed/)
        const stored = (await listApiKeys(svc.service.store)).find((k) => k.id === key.id)
        assert.equal(stored?.revoked_at, null)
        // A token from another session is refused as well.
        const other = await signIn(svc.url)
        const otherToken = csrfOf((await visit(other, `${svc.url}/dashboard/keys`)).html)
        const crossed = await visit(jar, `${svc.url}/dashboard/keys/${key.id}/revoke`, {
          form: { _csrf: otherToken },
        })
        assert.equal(crossed.response.status, 403)
      })

      test('sign-out ends the session in the database', async () => {
        const jar = await signIn(svc.url)
        const page = await visit(jar, `${svc.url}/dashboard`)
        const cookie = jar.header()
        const out = await visit(jar, `${svc.url}/dashboard/sign-out`, {
          form: { _csrf: csrfOf(page.html) },
        })
        assert.equal(out.response.status, 303)
        const reuse = await fetch(`${svc.url}/dashboard`, {
          headers: { cookie },
          redirect: 'manual',
        })
        assert.equal(reuse.status, 303)
      })

      test('a session expires after IGTOKEN_SESSION_TTL_HOURS', async () => {
        const jar = await signIn(svc.url)
        assert.equal((await visit(jar, `${svc.url}/dashboard`)).response.status, 200)
        await svc.advance(2 * 3_600_000 + 1000)
        const { response } = await visit(jar, `${svc.url}/dashboard`)
        assert.equal(response.status, 303)
        assert.equal(response.headers.get('location'), '/dashboard/sign-in')
      })
    })
  })
}
