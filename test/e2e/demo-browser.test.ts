import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { launchBrowser } from '../helpers/browser.js'
import { runCli, startServeProcess } from '../helpers/cli.js'
import { freePort, retryOnPortClash } from '../helpers/ports.js'

const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname
let env: Record<string, string>
let url: string
let dataDir: string
let serve: Awaited<ReturnType<typeof startServeProcess>>
let browser: Awaited<ReturnType<typeof launchBrowser>>
let context: BrowserContext

before(async () => {
  mkdirSync(artifacts, { recursive: true })
  dataDir = mkdtempSync(join(tmpdir(), 'igtoken-e2e-'))
  serve = await retryOnPortClash(async () => {
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    env = {
      IGTOKEN_PORT: String(port),
      IGTOKEN_EMULATOR_PORT: String(await freePort()),
      IGTOKEN_DATA_DIR: dataDir,
    }
    return startServeProcess(env, url)
  })
  browser = await launchBrowser()
  context = browser.context
})
after(async () => {
  await browser.close()
  const code = await serve.stop()
  rmSync(dataDir, { recursive: true, force: true })
  assert.equal(code, 0, 'igtoken serve stops cleanly on SIGTERM')
})

/** Clicks through to the consent page and answers it; returns the page and the callback URL. */
async function throughConsent(
  button: 'Allow' | 'Cancel',
  username?: string,
): Promise<{ page: Page; callbackUrl: string }> {
  const page = await context.newPage()
  let callbackUrl = ''
  page.on('request', (request) => {
    if (request.url().startsWith(`${url}/callback`)) callbackUrl = request.url()
  })
  await page.goto(`${url}/`)
  await page.getByRole('link', { name: 'Connect an account' }).click()
  await page.waitForURL(/\/www\.instagram\.com\/oauth\/authorize/)
  assert.match(await page.content(), /igtoken demo/)
  if (username !== undefined) await page.getByLabel(new RegExp(username)).check()
  await page.getByRole('button', { name: button }).click()
  await page.waitForURL(new RegExp(`^${url}/callback`))
  return { page, callbackUrl }
}

test('demo: connect a test account in a real browser, then read its token with a key from the CLI', async () => {
  assert.match(serve.output(), /demo mode/)
  const { page } = await throughConsent('Allow', 'emu_creator')
  await page.getByRole('heading', { name: 'Account connected' }).waitFor()
  assert.match(await page.content(), /@emu_creator/)
  await page.screenshot({ path: join(artifacts, 'connect-success.png'), fullPage: true })

  await page.goto(`${url}/`)
  assert.match(await page.content(), /emu_creator/)
  await page.screenshot({ path: join(artifacts, 'home-accounts.png'), fullPage: true })
  await page.close()

  const created = await runCli(['keys', 'create', '--name', 'e2e', '--json'], env)
  assert.equal(created.code, 0, created.stderr)
  const { key } = JSON.parse(created.stdout) as { id: string; key: string }
  const auth = { authorization: `Bearer ${key}` }
  const list = (await (await fetch(`${url}/api/v1/accounts`, { headers: auth })).json()) as {
    data: { id: string; username: string }[]
  }
  const account = list.data.find((a) => a.username === 'emu_creator')
  assert.ok(account)
  const token = (await (
    await fetch(`${url}/api/v1/accounts/${account.id}/token`, { headers: auth })
  ).json()) as {
    access_token: string
  }
  const me = await fetch(
    `http://127.0.0.1:${env['IGTOKEN_EMULATOR_PORT']}/graph.instagram.com/me?fields=username&access_token=${token.access_token}`,
  )
  assert.equal(me.status, 200)
  assert.equal(((await me.json()) as { username: string }).username, 'emu_creator')
})

test('demo: Cancel on the consent page lands on a clear failure page', async () => {
  const { page } = await throughConsent('Cancel')
  await page.getByRole('heading', { name: 'The account was not connected' }).waitFor()
  assert.match(await page.content(), /cancelled/)
  await page.screenshot({ path: join(artifacts, 'connect-cancelled.png'), fullPage: true })
  await page.close()
})

test('demo: a replayed callback URL is refused', async () => {
  const { page, callbackUrl } = await throughConsent('Allow')
  await page.getByRole('heading', { name: 'Account connected' }).waitFor()
  const response = await page.goto(callbackUrl)
  assert.equal(response?.status(), 400)
  assert.match(await page.content(), /already completed/)
  await page.close()
})
