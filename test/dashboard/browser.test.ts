import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { getAccount, listApiKeys } from '../../src/store/index.js'
import { launchBrowser } from '../helpers/browser.js'
import type { DashboardService } from './harness.js'
import { ARTIFACTS, PASSWORD, USERS, startDashboardService } from './harness.js'

let svc: DashboardService
let browser: Awaited<ReturnType<typeof launchBrowser>>
let context: BrowserContext
let page: Page
const accounts: Record<string, string> = {}
const sites: Server[] = []

/** A page on another origin that reads a feed with fetch() and writes what happened. */
async function otherOrigin(): Promise<string> {
  const server = createServer((request, response) => {
    const feed = new URL(request.url ?? '/', 'http://x').searchParams.get('feed') ?? ''
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(`<!doctype html><title>shop</title><p id="out">waiting</p><script>
      fetch(${JSON.stringify(feed)}).then(r => r.json()).then(
        d => { document.getElementById('out').textContent = 'items: ' + d.data.length },
        e => { document.getElementById('out').textContent = 'blocked: ' + e.name })
    </script>`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  sites.push(server)
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true })
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  svc = await startDashboardService()
  accounts['business'] = await svc.connect(USERS.business)
  accounts['creator'] = await svc.connect(USERS.creator)
  accounts['hostile'] = await svc.connectHostile()
  // Meta refuses to refresh a token younger than a day: let two days pass.
  await svc.advance(2 * 86_400_000)
  browser = await launchBrowser()
  context = browser.context
  page = await context.newPage()
  await page.setViewportSize({ width: 1280, height: 900 })
})
after(async () => {
  await browser.close()
  for (const site of sites) site.close()
  await svc.close()
})

test('sign in with the password and see the accounts', async () => {
  await page.goto(`${svc.url}/dashboard`)
  await page.getByRole('heading', { name: 'Sign in to the dashboard' }).waitFor()
  await page.getByLabel('Operator password').fill('wrong password here')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText('That password is not right.').waitFor()
  await shot('sign-in-refused')
  await page.getByLabel('Operator password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Accounts' }).waitFor()
  const rows = page.locator('tbody tr')
  assert.equal(await rows.count(), 3)
  const text = await page.locator('main').innerText()
  assert.match(text, /@emu_business/)
  assert.match(text, /@emu_creator/)
  assert.match(text, /@"><script>alert\(1\)<\/script>/, 'the hostile name shows as text')
  assert.match(text, /in 57 days/)
  assert.equal(await page.getByRole('link', { name: 'Connect an account' }).count(), 1)
  await shot('accounts')
  await page.getByRole('link', { name: 'Needs reconnect' }).click()
  await page.getByText('No account has this status.').waitFor()
  await page.setViewportSize({ width: 390, height: 844 })
  await page.getByRole('link', { name: 'All' }).click()
  await shot('accounts-phone')
  await page.setViewportSize({ width: 1280, height: 900 })
})

test('refresh an account now, from its page', async () => {
  await page.goto(`${svc.url}/dashboard/accounts/${accounts['creator'] ?? ''}`)
  await page.getByRole('heading', { name: /@emu_creator/ }).waitFor()
  await page.getByRole('button', { name: 'Refresh now' }).click()
  await page.getByText('The token was refreshed.').waitFor()
  assert.match(await page.locator('main').innerText(), /in 59 days/)
  assert.match(await page.locator('main').innerText(), /token\.refreshed/)
  await shot('account-refreshed')
})

test('disconnect an account', async () => {
  await page.goto(`${svc.url}/dashboard/accounts/${accounts['business'] ?? ''}`)
  await page.getByText('Disconnect…').click()
  await page.getByRole('button', { name: 'Disconnect @emu_business' }).click()
  await page.getByText('The account was disconnected').waitFor()
  assert.doesNotMatch(await page.locator('tbody').innerText(), /emu_business/)
  assert.equal(await getAccount(svc.service.store, accounts['business'] ?? ''), undefined)
  await shot('account-disconnected')
})

test('create an API key (shown once) and revoke it', async () => {
  await page.getByRole('link', { name: 'API keys' }).click()
  await page.getByLabel('Who will use it').fill('website')
  await page.getByRole('button', { name: 'Create key' }).click()
  const key = (await page.locator('#created-key').innerText()).trim()
  assert.match(key, /^igt_[A-Za-z0-9_-]{43}$/)
  await shot('key-created')
  const works = await fetch(`${svc.url}/api/v1/accounts`, {
    headers: { authorization: `Bearer ${key}` },
  })
  assert.equal(works.status, 200)
  await page.goto(`${svc.url}/dashboard/keys`)
  assert.equal(await page.locator('#created-key').count(), 0, 'the key is not shown again')
  await page.getByRole('button', { name: 'Revoke the key website' }).click()
  await page.getByText('The API key was revoked.').waitFor()
  const stored = (await listApiKeys(svc.service.store)).find((k) => k.name === 'website')
  assert.notEqual(stored?.revoked_at, null)
  await shot('key-revoked')
})

test('publish a feed and read it from a page on another origin (CORS)', async () => {
  const shop = await otherOrigin()
  const elsewhere = await otherOrigin()
  await page.getByRole('link', { name: 'Feeds' }).click()
  await page.getByLabel('Account').selectOption({ label: '@emu_creator' })
  await page.getByLabel('Allowed origins').fill(shop)
  await page.getByLabel('Items').fill('4')
  await page.getByRole('button', { name: 'Publish' }).click()
  await page.getByText('The feed is published.').waitFor()
  const feedUrl = await page.locator('table a code').first().innerText()
  assert.match(feedUrl, /\/feeds\/feed_[A-Za-z0-9_-]{32}\.json$/)
  await shot('feed-published')

  const reader = await context.newPage()
  await reader.goto(`${shop}/?feed=${encodeURIComponent(feedUrl)}`)
  await reader.getByText('items: 4').waitFor()
  await reader.screenshot({ path: join(ARTIFACTS, 'dashboard-feed-read-cross-origin.png') })
  await reader.goto(`${elsewhere}/?feed=${encodeURIComponent(feedUrl)}`)
  await reader.getByText(/blocked: TypeError/).waitFor()
  await reader.close()
})

test('a form whose CSRF token was tampered with is refused with a 403 page', async () => {
  await page.goto(`${svc.url}/dashboard/keys`)
  await page.getByLabel('Who will use it').fill('forged')
  // A string, because this project compiles without DOM types.
  await page.evaluate(
    "document.querySelectorAll('input[name=_csrf]').forEach((input) => { input.value = 'tampered' })",
  )
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.url().endsWith('/dashboard/keys') && r.request().method() === 'POST',
    ),
    page.getByRole('button', { name: 'Create key' }).click(),
  ])
  assert.equal(response.status(), 403)
  await page.getByRole('heading', { name: 'This form has expired' }).waitFor()
  assert.equal((await listApiKeys(svc.service.store)).filter((k) => k.name === 'forged').length, 0)
  await shot('csrf-refused')
})

test('the other pages render: webhooks, data deletion, the API reference, sign-out', async () => {
  await page.goto(`${svc.url}/dashboard/webhooks`)
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor()
  await shot('webhooks')
  await page.getByRole('link', { name: 'Data deletion' }).click()
  await page.getByLabel('Connected account').selectOption({ label: '@emu_creator' })
  await page.getByRole('button', { name: "Delete this person's data" }).click()
  await page.getByText('Deletion recorded and carried out').waitFor()
  await shot('deletions')
  await page.getByRole('link', { name: /\/meta\/data-deletion\// }).click()
  await page.getByRole('heading', { name: 'Data deletion request' }).waitFor()
  await shot('deletion-status')
  await page.goto(`${svc.url}/docs`)
  await page.getByText('igtoken API').first().waitFor()
  await page.screenshot({ path: join(ARTIFACTS, 'api-reference.png') })
  await page.goto(`${svc.url}/dashboard`)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByText('You are signed out.').waitFor()
  await page.goto(`${svc.url}/dashboard/keys`)
  await page.getByRole('heading', { name: 'Sign in to the dashboard' }).waitFor()
})
