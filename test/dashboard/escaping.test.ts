import assert from 'node:assert/strict'
import { after, before, test, describe } from 'node:test'
import { HOSTILE_TEST_USER } from '../../src/emulator/index.js'
import { createApiKey, createFeed } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless } from '../helpers/service.js'
import type { DashboardService } from './harness.js'
import { USERS, csrfOf, signIn, startDashboardService, visit } from './harness.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'

// The same suite on SQLite and on PostgreSQL (a fresh database each).
for (const dialect of SERVICE_DIALECTS) {
  describe(`escaping [${dialect}]`, () => {
    let svc: DashboardService
    before(async () => {
      svc = await startDashboardService({}, { dialect })
    })
    after(async () => {
      await svc.close()
    })

    const RAW = '<script>alert(1)</script>'

    function assertEscaped(html: string, where: string): void {
      assert.ok(!html.includes(RAW), `${where}: the username reaches the page unescaped`)
      assert.ok(!html.includes('"><script'), `${where}: an attribute was broken out of`)
    }

    test('every page escapes a username made of HTML and script', async () => {
      // The public connect flow refuses the probe as a profile (profile_invalid) and never echoes it.
      const { response } = await connectThroughBrowserless(svc.url, (authorizeUrl) =>
        answerConsent(authorizeUrl, 'allow', { userId: USERS.hostile }),
      )
      const refused = await response.text()
      assert.equal(response.status, 422)
      assertEscaped(refused, 'connect refused')
      assert.ok(!refused.includes('alert(1)'), 'the refused profile is not echoed')

      const accountId = await svc.connectHostile()
      await createFeed(svc.service.store, {
        accountId,
        limit: 2,
        allowedOrigins: [],
        label: HOSTILE_TEST_USER.name ?? 'x',
        now: Date.now(),
      })
      await createApiKey(svc.service.store, { name: RAW, now: Date.now() })
      const jar = await signIn(svc.url)
      const pages = [
        '/dashboard',
        `/dashboard/accounts/${accountId}`,
        '/dashboard/feeds',
        '/dashboard/keys',
        '/dashboard/webhooks',
        '/dashboard/deletions',
      ]
      for (const path of pages) {
        const { response: res, html } = await visit(jar, `${svc.url}${path}`)
        assert.equal(res.status, 200, path)
        assertEscaped(html, path)
        assert.ok(!html.includes('<img src=x'), `${path}: the name reaches the page unescaped`)
      }
      const account = await visit(jar, `${svc.url}/dashboard/accounts/${accountId}`)
      assert.match(account.html, /@&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/)

      // A key created through the form is shown once, escaped too.
      const keys = await visit(jar, `${svc.url}/dashboard/keys`)
      const created = await visit(jar, `${svc.url}/dashboard/keys`, {
        form: { _csrf: csrfOf(keys.html), name: RAW, scopes: 'tokens:read' },
      })
      assert.equal(created.response.status, 201)
      assertEscaped(created.html, 'key created')

      // The data-deletion status page (public) shares the layout and escapes as well.
      const deletions = await visit(jar, `${svc.url}/dashboard/deletions`)
      const recorded = await visit(jar, `${svc.url}/dashboard/deletions`, {
        form: { _csrf: csrfOf(deletions.html), account_id: accountId },
      })
      assert.equal(recorded.response.status, 201)
      const code = /confirmation code <code>([^<]+)<\/code>/.exec(recorded.html)?.[1]
      assert.ok(code)
      const status = await fetch(`${svc.url}/meta/data-deletion/${code}`)
      assert.equal(status.status, 200)
      const statusHtml = await status.text()
      assertEscaped(statusHtml, 'deletion status')
      assert.match(statusHtml, /completed/i)
    })
  })
}
