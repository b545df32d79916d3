/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- JSON bodies under test are untyped on purpose */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createMetaClient, emulatorBaseUrls } from '../../src/meta/index.js'
import {
  FB_USER,
  META_ID,
  META_SECRET,
  PAGE,
  REDIRECT,
  emulator,
  fbLogin,
  getJson,
} from './helpers.js'

const PAGE_NO_IG = '134895793791915'

async function pagesOf(
  url: string,
  token: string,
  query = '',
): Promise<{ id: string; access_token: string }[]> {
  const r = await getJson(
    `${url}/graph.facebook.com/v25.0/me/accounts?access_token=${token}${query}`,
  )
  assert.equal(r.status, 200)
  return r.body.data
}

describe('emulator: the Pages a Facebook user grants an app', () => {
  test('/me/accounts pages with data + paging.cursors; listPages follows it to the end', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const first = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/me/accounts?limit=1&access_token=${token}`,
    )
    assert.equal(first.body.data.length, 1)
    assert.equal(typeof first.body.paging.cursors.after, 'string')
    assert.match(first.body.paging.next, /after=/)
    const meta = createMetaClient({
      flavor: 'facebook-login',
      appId: META_ID,
      appSecret: META_SECRET,
      redirectUri: REDIRECT,
      baseUrls: emulatorBaseUrls(emu.url),
    })
    await emu.control.setConfig({ pageSize: 1 })
    const before = (await emu.control.requests({ endpoint: 'fb.me_accounts' })).length
    const pages = await meta.listPages(token)
    assert.deepEqual(
      pages.map((p) => [p.id, p.instagramBusinessAccount?.id ?? null]),
      [
        [PAGE, '17841405822304914'],
        [PAGE_NO_IG, null],
      ],
    )
    const calls = (await emu.control.requests({ endpoint: 'fb.me_accounts' })).length - before
    assert.equal(calls, 2, 'one call per page of results')
  })

  test('a narrower grant hides a Page and kills its Page token; the rest keeps working', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const pageToken = (await pagesOf(emu.url, token)).find((p) => p.id === PAGE)?.access_token
    assert.ok(pageToken)
    const granted = await emu.control.setGrantedPages({
      userId: FB_USER,
      appId: META_ID,
      pageIds: [PAGE_NO_IG],
    })
    assert.deepEqual(granted, [PAGE_NO_IG])
    assert.deepEqual(
      (await pagesOf(emu.url, token)).map((p) => p.id),
      [PAGE_NO_IG],
    )
    const dead = await getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=${pageToken}`)
    assert.equal(dead.status, 400)
    assert.equal(dead.body.error.code, 190)
    assert.equal(dead.body.error.error_subcode, 467)
    // null: every Page again (the dead token stays dead; /me/accounts hands out a new one).
    await emu.control.setGrantedPages({ userId: FB_USER, appId: META_ID, pageIds: null })
    const again = await pagesOf(emu.url, token)
    assert.deepEqual(
      again.map((p) => p.id),
      [PAGE, PAGE_NO_IG],
    )
    assert.notEqual(again[0]?.access_token, pageToken)
  })

  test('revoking one Page token leaves the user token and the other Page tokens working', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const pages = await pagesOf(emu.url, token)
    const { revoked } = await emu.control.revokePageTokens({ userId: FB_USER, pageId: PAGE })
    assert.equal(revoked, 1)
    const ask = (tok: string) =>
      getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=${tok}`)
    assert.equal(
      (await ask(pages.find((p) => p.id === PAGE)?.access_token ?? '')).body.error.error_subcode,
      467,
    )
    const other = await ask(pages.find((p) => p.id === PAGE_NO_IG)?.access_token ?? '')
    assert.equal(other.status, 200)
    assert.equal(other.body.id, PAGE_NO_IG)
    assert.equal((await ask(token)).status, 200)
  })

  test('bad requests are refused and change nothing', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const put = (path: string, body: unknown) =>
      fetch(`${emu.url}/_emulator${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const granted = `/users/${FB_USER}/granted-pages`
    assert.equal((await put(granted, { appId: META_ID, pageIds: ['999'] })).status, 400)
    assert.equal((await put(granted, { appId: META_ID, pageIds: 'all' })).status, 400)
    assert.equal((await put(granted, { appId: META_ID })).status, 400)
    assert.equal((await put(granted, { appId: 'nope', pageIds: [] })).status, 404)
    assert.equal(
      (await put('/users/1234/granted-pages', { appId: META_ID, pageIds: [] })).status,
      404,
    )
    const revoke = await fetch(`${emu.url}/_emulator/page-tokens/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: FB_USER, pageId: '999' }),
    })
    assert.equal(revoke.status, 404)
    assert.deepEqual(
      (await pagesOf(emu.url, token)).map((p) => p.id),
      [PAGE, PAGE_NO_IG],
    )
  })

  test('the Facebook dialog asks which Pages; the choice becomes the grant', async (t) => {
    const emu = await emulator(t)
    const url = `${emu.url}/www.facebook.com/v25.0/dialog/oauth?${new URLSearchParams({
      client_id: META_ID,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'instagram_basic,pages_show_list',
      state: 's',
    }).toString()}`
    const html = await (await fetch(url)).text()
    assert.match(html, /Choose the Pages/)
    assert.match(html, new RegExp(`name="page_${PAGE}" value="1" checked`))
    const fields = new URLSearchParams({
      client_id: META_ID,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'instagram_basic,pages_show_list',
      state: 's',
      user_id: FB_USER,
      choose_pages: '1',
      [`page_${PAGE_NO_IG}`]: '1',
      decision: 'allow',
    })
    const res = await fetch(url, { method: 'POST', body: fields, redirect: 'manual' })
    assert.equal(res.status, 302)
    const token = await fbLogin(emu)
    assert.deepEqual(
      (await pagesOf(emu.url, token)).map((p) => p.id),
      [PAGE_NO_IG],
    )
  })
})
