import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import { launchBrowser } from '../helpers/browser.js'
import { SERVICE_DIALECTS, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const PASSWORD = 'correct horse battery staple'
/** The Facebook user's name: unique, so the dialog's radio and checkbox labels are unambiguous. */
const PERSON = 'Choosing Person'

interface ApiAccount {
  id: string
  username: string
  user_id: string
  meta_user_id: string
  status: string
}

// A person with three Pages linked to Instagram and one without. In Chromium they untick one
// Instagram Page in the emulator's "Choose the Pages" step, then reconnect ticking all of them.
for (const dialect of SERVICE_DIALECTS) {
  describe(`Facebook Login in Chromium: the Pages ticked are the accounts connected [${dialect}]`, () => {
    let svc: TestService
    let key: string
    let browser: Awaited<ReturnType<typeof launchBrowser>>
    const pageOf = new Map<string, string>() // ig user id -> page id
    const igOf = new Map<string, string>() // username -> ig user id
    let firstIds: Map<string, string> // username -> account id
    const ig = (username: string): string => {
      const id = igOf.get(username)
      assert.ok(id !== undefined, username)
      return id
    }

    before(async () => {
      svc = await startTestService(
        {
          IGTOKEN_FLAVOR: 'facebook-login',
          IGTOKEN_REFRESH_ENABLED: 'false',
          IGTOKEN_ADMIN_PASSWORD: PASSWORD,
        },
        { dialect },
      )
      key = await svc.apiKey()
      for (const username of ['choice_north', 'choice_south', 'choice_east']) {
        const made = await svc.control.addUser({
          kind: 'instagram',
          username,
          accountType: 'BUSINESS',
          mediaCount: 1,
        })
        igOf.set(username, made.id)
      }
      const user = await svc.control.addUser({
        kind: 'facebook',
        name: PERSON,
        pages: [
          { name: 'North Bakery', instagramUserId: ig('choice_north') },
          { name: 'South Bakery', instagramUserId: ig('choice_south') },
          { name: 'Plain Page' },
          { name: 'East Bakery', instagramUserId: ig('choice_east') },
        ],
      })
      for (const p of user['pages'] as { id: string; instagramUserId?: string }[])
        if (p.instagramUserId !== undefined) pageOf.set(p.instagramUserId, p.id)
      browser = await launchBrowser()
    })
    after(async () => {
      await browser.close()
      await svc.close()
    })

    /** /connect → the emulator's Facebook dialog (as PERSON, Pages ticked as given) → success page. */
    async function connectInBrowser(
      ticked: Record<string, boolean>,
      shownUnticked: readonly string[] = [],
    ): Promise<Page> {
      const page = await browser.context.newPage()
      await page.goto(`${svc.url}/connect`)
      await page.waitForURL(/\/www\.facebook\.com\/.*dialog\/oauth/)
      await page.getByLabel(PERSON, { exact: true }).check()
      await page.getByText(/Choose the Pages/).waitFor()
      const boxOf = (name: string) =>
        page.getByRole('checkbox', { name: new RegExp(`^${name}\\b.*· ${PERSON}$`) })
      // Meta's dialog opens on the grant made last time: what was unticked shows unticked.
      for (const name of shownUnticked) assert.equal(await boxOf(name).isChecked(), false, name)
      for (const [name, on] of Object.entries(ticked)) await boxOf(name).setChecked(on)
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL((u) => u.href.startsWith(`${svc.url}/callback`))
      return page
    }

    /** The usernames the success page lists as connected (not the "no longer granted" line). */
    async function listed(page: Page): Promise<string[]> {
      const items = await page.locator('ul.connected-accounts li strong').allInnerTexts()
      return items.map((t) => t.replace(/^@/, '')).sort()
    }

    async function accounts(): Promise<ApiAccount[]> {
      const res = await fetch(`${svc.url}/api/v1/accounts?limit=500`, {
        headers: { authorization: `Bearer ${key}` },
      })
      assert.equal(res.status, 200)
      return ((await res.json()) as { data: ApiAccount[] }).data
    }

    /** Asks the emulator's Graph API, not igtoken, which Page a served token speaks for. */
    async function pageOfServedToken(accountId: string): Promise<string> {
      const served = await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, {
        headers: { authorization: `Bearer ${key}` },
      })
      assert.equal(served.status, 200)
      const token = ((await served.json()) as { access_token: string }).access_token
      const me = await fetch(
        `${svc.emulatorUrl}/graph.facebook.com/v25.0/me?fields=id&access_token=${encodeURIComponent(token)}`,
      )
      assert.equal(me.status, 200)
      return ((await me.json()) as { id: string }).id
    }

    async function rowsFor(igUserId: string): Promise<number> {
      const { rows } = await sql<{ n: number | string }>`
        SELECT COUNT(*) AS n FROM accounts WHERE ig_user_id = ${igUserId}`.execute(
        svc.service.store.db,
      )
      return Number(rows[0]?.n)
    }

    test('untick South Bakery: the success page and the API name exactly North and East', async () => {
      const page = await connectInBrowser({
        'North Bakery': true,
        'South Bakery': false,
        'Plain Page': true,
        'East Bakery': true,
      })
      await page.getByRole('heading', { name: '2 accounts connected' }).waitFor()
      assert.deepEqual(await listed(page), ['choice_east', 'choice_north'])
      const text = await page.locator('main').innerText()
      assert.doesNotMatch(text, /choice_south/)
      // The flavor in words, as the one-account page says it, never its configuration id.
      assert.match(text, /through the Instagram API with Facebook Login/)
      assert.doesNotMatch(text, /facebook-login/)
      await page.close()

      const list = await accounts()
      assert.deepEqual(list.map((a) => a.username).sort(), ['choice_east', 'choice_north'])
      assert.equal(new Set(list.map((a) => a.meta_user_id)).size, 1, 'one login behind both')
      for (const account of list)
        assert.equal(await pageOfServedToken(account.id), pageOf.get(account.user_id))
      assert.equal(await rowsFor(ig('choice_south')), 0, 'the unticked Page: no row')
      assert.equal(await rowsFor(ig('choice_north')), 1)
      firstIds = new Map(list.map((a) => [a.username, a.id]))
    })

    test('reconnect ticking every Page: the third account appears, the first two keep their ids', async () => {
      const page = await connectInBrowser(
        {
          'North Bakery': true,
          'South Bakery': true,
          'Plain Page': true,
          'East Bakery': true,
        },
        ['South Bakery'],
      )
      await page.getByRole('heading', { name: '3 accounts connected' }).waitFor()
      assert.deepEqual(await listed(page), ['choice_east', 'choice_north', 'choice_south'])
      await page.close()

      const list = await accounts()
      assert.deepEqual(list.map((a) => a.username).sort(), [
        'choice_east',
        'choice_north',
        'choice_south',
      ])
      for (const [username, id] of firstIds)
        assert.equal(list.find((a) => a.username === username)?.id, id, `${username} kept its id`)
      assert.ok(list.every((a) => a.status === 'active'))
      const south = list.find((a) => a.username === 'choice_south')
      assert.ok(south)
      assert.equal(await pageOfServedToken(south.id), pageOf.get(south.user_id))
      assert.equal(await rowsFor(ig('choice_south')), 1)
    })

    test('the dashboard, signed in, lists all three', async () => {
      const page = await browser.context.newPage()
      await page.goto(`${svc.url}/dashboard`)
      await page.getByLabel('Operator password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Accounts' }).waitFor()
      const text = await page.locator('main').innerText()
      for (const username of ['choice_north', 'choice_south', 'choice_east'])
        assert.match(text, new RegExp(`@${username}\\b`))
      assert.equal(await page.locator('tbody tr').count(), 3)
      await page.close()
    })
  })
}
