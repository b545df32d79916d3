import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { launchBrowser } from '../helpers/browser.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { api } from './link-flow.js'

/** The agency's own site on 127.0.0.1, where the client lands afterwards. */
async function startAgencySite(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Welcome aboard</h1>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

for (const dialect of SERVICE_DIALECTS) {
  describe(`a client uses a connect link in Chromium, JavaScript off [${dialect}]`, () => {
    let svc: TestService
    let key: string
    let agency: Awaited<ReturnType<typeof startAgencySite>>
    let browser: Awaited<ReturnType<typeof launchBrowser>>
    before(async () => {
      agency = await startAgencySite()
      svc = await startTestService(
        {
          IGTOKEN_REFRESH_ENABLED: 'false',
          IGTOKEN_CONNECT_LINK_RETURN_ORIGINS: agency.origin,
          IGTOKEN_APP_NAME: 'Acme Agency',
        },
        { dialect },
      )
      key = await svc.apiKey()
      browser = await launchBrowser({ javaScriptEnabled: false })
    })
    after(async () => {
      await browser.close()
      await svc.close()
      await new Promise((resolve) => agency.server.close(resolve))
    })

    test('open the link, log in on the emulator, land on return_to; the account appears and the link is used by it', async () => {
      const created = await api(svc.url, key, '/api/v1/connect-links', {
        method: 'POST',
        body: {
          label: 'Acme Bakery',
          metadata: { customer_id: 'cus-42' },
          return_to: `${agency.origin}/onboarded?c=42`,
        },
      })
      assert.equal(created.status, 201)
      const url = String(created.body['url'])
      const id = (created.body['link'] as { id: string }).id

      const page = await browser.context.newPage()
      await page.goto(url)
      assert.equal(await page.title(), 'Connect your Instagram account · Acme Agency')
      await page.getByRole('heading', { name: 'Connect your Instagram account' }).waitFor()
      assert.match(await page.content(), /for <strong>Acme Bakery<\/strong>/)
      assert.match(await page.content(), /your profile \(username, picture\) and your posts/)
      await page.getByRole('button', { name: 'Continue with Instagram' }).click()
      await page.waitForURL(/\/www\.instagram\.com\/oauth\/authorize/)
      await page.getByRole('button', { name: 'Allow' }).click()
      // Meta's `#_` rides along: a browser keeps the fragment across a redirect without one.
      await page.waitForURL((u) => u.href.startsWith(`${agency.origin}/onboarded?c=42`))
      await page.getByRole('heading', { name: 'Welcome aboard' }).waitFor()

      const links = await api(svc.url, key, '/api/v1/connect-links')
      const link = (links.body['data'] as { id: string; state: string; account_id: string }[]).find(
        (l) => l.id === id,
      )
      assert.ok(link)
      assert.equal(link.state, 'used')
      const accounts = await api(svc.url, key, '/api/v1/accounts')
      const account = (accounts.body['data'] as { id: string; label: string | null }[]).find(
        (a) => a.id === link.account_id,
      )
      assert.ok(account, 'the account appears in GET /api/v1/accounts')
      assert.equal(account.label, 'Acme Bakery')

      // Opening the link again shows a clear page: it was used.
      const again = await page.goto(url)
      assert.equal(again?.status(), 410)
      assert.match(await page.content(), /already used/)
      await page.close()
    })
  })
}
