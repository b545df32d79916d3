import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { launchBrowser } from '../helpers/browser.js'
import { freePort } from '../helpers/ports.js'
import type { DashboardService } from './harness.js'
import { PASSWORD, USERS, startDashboardService } from './harness.js'

let svc: DashboardService
let browser: Awaited<ReturnType<typeof launchBrowser>>
let page: Page

before(async () => {
  svc = await startDashboardService({
    IGTOKEN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    IGTOKEN_WEBHOOK_POLL_SECONDS: '1',
  })
  // A subscriber nobody listens for: its delivery fails and waits for a retry, so the status
  // cell holds the badge and a "next try" line below it.
  const res = await fetch(`${svc.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await svc.apiKey()}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url: `http://127.0.0.1:${String(await freePort())}/hook`,
      secret: 'a-subscriber-secret-of-some-length',
    }),
  })
  assert.equal(res.status, 201, await res.text())
  await svc.connect(USERS.business)
  browser = await launchBrowser()
  page = await browser.context.newPage()
  await page.setViewportSize({ width: 375, height: 800 })
})
after(async () => {
  await browser.close()
  await svc.close()
})

test('on a 375 px screen the webhooks status badge is as tall as its text, not its cell', async () => {
  await page.goto(`${svc.url}/dashboard`)
  await page.getByLabel('Operator password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Accounts' }).waitFor()
  // The delivery worker polls every second; a bounded wait for the failed attempt to show.
  const badge = page.locator('td[data-label="Status"] .badge').first()
  const next = page.locator('td[data-label="Status"] .muted').first()
  for (let i = 0; i < 20; i++) {
    await page.goto(`${svc.url}/dashboard/webhooks`)
    if ((await next.count()) > 0) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  assert.ok((await next.count()) > 0, 'a delivery waiting for its next try is listed')
  // Runs in the page: the test's tsconfig has no DOM library, so the window is typed by hand.
  const sizes = await badge.evaluate((node) => {
    interface Box {
      getBoundingClientRect(): { height: number }
      closest(selector: string): Box | null
    }
    const el = node as unknown as Box
    const view = globalThis as unknown as {
      getComputedStyle(e: unknown): { fontSize: string; lineHeight: string }
    }
    const style = view.getComputedStyle(el)
    const fontSize = parseFloat(style.fontSize)
    const lineHeight = style.lineHeight === 'normal' ? fontSize * 1.2 : parseFloat(style.lineHeight)
    const cell = el.closest('td')?.getBoundingClientRect().height ?? 0
    return { height: el.getBoundingClientRect().height, lineHeight, cell }
  })
  assert.ok(sizes.cell > sizes.lineHeight * 2, `the cell holds two lines: ${JSON.stringify(sizes)}`)
  assert.ok(sizes.height <= 2 * sizes.lineHeight, `badge not stretched: ${JSON.stringify(sizes)}`)
})
