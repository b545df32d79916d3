// The demo tells a token's life: "Time travel" on the dashboard moves the one clock the service
// and its embedded emulator share, a day at a time. Over a simulated year in a real Chromium, the
// token the API serves changes at each refresh and Meta (the emulator) accepts it at every step.
// In live mode the control does not exist.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import { sql } from 'kysely'
import { DEMO_APP } from '../../src/emulator/index.js'
import { generateKey } from '../../src/store/index.js'
import { launchBrowser } from '../helpers/browser.js'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { ARTIFACTS, Jar, PASSWORD, USERS, csrfOf, visit } from './harness.js'

const DAY = 86_400_000

async function signInWithPassword(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/dashboard`)
  await page.getByLabel('Operator password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Accounts' }).waitFor()
}

describe('time travel in the demo (Chromium)', () => {
  let svc: TestService
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  let key: string
  let accountId: string

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    svc = await startTestService(
      { IGTOKEN_ADMIN_PASSWORD: PASSWORD, IGTOKEN_REFRESH_POLL_SECONDS: '3600' },
      { sharedClock: true },
    )
    key = await svc.apiKey()
    const res = await connectThroughBrowserless(svc.url, (u) =>
      answerConsent(u, 'allow', { userId: USERS.business }),
    )
    assert.equal(res.response.status, 200)
    const list = (await (
      await fetch(`${svc.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { data: { id: string }[] }
    accountId = list.data[0]?.id ?? ''
    browser = await launchBrowser()
  })
  after(async () => {
    await browser.close()
    await svc.close()
  })

  /** The token the API serves now, and whether Meta (the emulator) accepts it at this time. */
  async function served(): Promise<{ token: string; accepted: boolean }> {
    const res = await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, {
      headers: { authorization: `Bearer ${key}` },
    })
    assert.equal(res.status, 200, 'the API serves a token at every step')
    const { access_token: token } = (await res.json()) as { access_token: string }
    const me = await fetch(
      `${svc.emulatorUrl}/graph.instagram.com/v25.0/me?fields=id&access_token=${encodeURIComponent(token)}`,
    )
    return { token, accepted: me.status === 200 }
  }

  test('a year, 30 days per click then one "+1 year": a new token at each refresh, never lapsed', async (t) => {
    const page = await browser.context.newPage()
    await signInWithPassword(page, svc.url)
    await page.getByRole('link', { name: 'Time travel' }).click()
    await page.getByRole('heading', { name: 'Time travel' }).waitFor()
    const start = svc.now()
    const tokens = [(await served()).token]
    for (let month = 1; month <= 12; month++) {
      await page.getByRole('button', { name: '+30 days' }).click()
      await page.getByText('The clock moved forward').waitFor()
      const now = await served()
      assert.ok(now.accepted, `Meta accepts the served token on day ${month * 30}`)
      // Refreshes come about every 15 days: a month always brings a new token.
      assert.notEqual(now.token, tokens.at(-1), `a new token by day ${month * 30}`)
      tokens.push(now.token)
    }
    assert.ok(svc.now() - start >= 360 * DAY)
    assert.match(await page.locator('#demo-now').innerText(), /UTC/)
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-time-travel.png'), fullPage: true })

    const yearStarted = performance.now()
    await page.getByRole('button', { name: '+1 year' }).click()
    await page.getByText('The clock moved forward').waitFor({ timeout: 60_000 })
    t.diagnostic(`"+1 year" (365 steps) took ${Math.round(performance.now() - yearStarted)} ms`)
    const last = await served()
    assert.ok(last.accepted, 'still accepted after the one-click year')
    assert.notEqual(last.token, tokens.at(-1))
    tokens.push(last.token)
    assert.equal(new Set(tokens).size, tokens.length, 'every collected token is a new one')

    // Independently, in the database: refreshes every ~15 days, never 60 days apart, no expiry.
    const events = await sql<{
      type: string
      created_at: number | string
    }>`select type, created_at from events where account_id = ${accountId} order by created_at`.execute(
      svc.service.store.db,
    )
    const refreshed = events.rows
      .filter((e) => e.type === 'token.refreshed')
      .map((e) => Number(e.created_at))
    assert.ok(refreshed.length >= 40, `${refreshed.length} refreshes over two years`)
    let previous = start
    for (const at of refreshed) {
      assert.ok(at - previous < 60 * DAY, 'each refresh came before the token ran out')
      previous = at
    }
    assert.equal(events.rows.filter((e) => e.type === 'account.expired').length, 0)
    // And at Meta: no refresh call was refused on the way.
    const refusals = await svc.control.requests({ endpoint: 'ig.refresh_access_token' })
    assert.ok(refusals.length >= refreshed.length, 'every refresh call is in the log')
    assert.ok(refusals.every((r) => r.status === 200))
    // The session is the person's, on real time: still signed in after two simulated years.
    await page.goto(`${svc.url}/dashboard`)
    await page.getByRole('heading', { name: 'Accounts' }).waitFor()
    await page.close()
  })

  test('a travel the page does not offer is refused with 400 and the clock stays', async () => {
    const jar = new Jar()
    const form = await visit(jar, `${svc.url}/dashboard/sign-in`)
    await visit(jar, `${svc.url}/dashboard/sign-in`, {
      form: { _csrf: csrfOf(form.html), password: PASSWORD },
    })
    const page = await visit(jar, `${svc.url}/dashboard/time-travel`)
    assert.equal(page.response.status, 200)
    const before = svc.now()
    for (const days of ['0', '-30', '10000', 'soon']) {
      const { response } = await visit(jar, `${svc.url}/dashboard/time-travel`, {
        form: { _csrf: csrfOf(page.html), days },
      })
      assert.equal(response.status, 400, days)
    }
    assert.ok(svc.now() - before < 60_000, 'the clock did not move')
  })
})

describe('time travel in live mode', () => {
  let svc: TestService

  before(async () => {
    svc = await startTestService({
      IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
      IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
      IGTOKEN_META_EMULATOR_URL: 'http://127.0.0.1:9',
      IGTOKEN_ENCRYPTION_KEYS: generateKey('k1'),
      IGTOKEN_ADMIN_PASSWORD: PASSWORD,
    })
  })
  after(async () => {
    await svc.close()
  })

  test('there is no control: 404, no link, and the real clock runs', async () => {
    assert.equal(svc.service.runtime.clock, undefined)
    const jar = new Jar()
    const form = await visit(jar, `${svc.url}/dashboard/sign-in`)
    await visit(jar, `${svc.url}/dashboard/sign-in`, {
      form: { _csrf: csrfOf(form.html), password: PASSWORD },
    })
    const home = await visit(jar, `${svc.url}/dashboard`)
    assert.equal(home.response.status, 200)
    assert.doesNotMatch(home.html, /Time travel/)
    assert.equal((await visit(jar, `${svc.url}/dashboard/time-travel`)).response.status, 404)
    const post = await visit(jar, `${svc.url}/dashboard/time-travel`, {
      form: { _csrf: csrfOf(home.html), days: '30' },
    })
    assert.equal(post.response.status, 404)
  })
})
