/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON bodies under test are untyped on purpose */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, test } from 'node:test'
import {
  BUSINESS,
  CREATOR,
  META_ID,
  META_SECRET,
  PAGE,
  emulator,
  fbLogin,
  getJson,
  graphError,
  igLogin,
} from './helpers.js'

describe('§2.6 Instagram Login /me', () => {
  test('unknown fields fail with code 100; other users are not readable', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    const bad = await getJson(
      `${emu.url}/graph.instagram.com/v22.0/me?fields=id,nope&access_token=${token}`,
    )
    assert.equal(bad.status, 400)
    assert.equal(
      graphError(bad.body).message,
      '(#100) Tried accessing nonexisting field (nope) on node type (User)',
    )
    const other = await getJson(
      `${emu.url}/graph.instagram.com/v22.0/${CREATOR}?access_token=${token}`,
    )
    assert.equal(graphError(other.body).error_subcode, 33)
  })

  test('user_id is the professional id, id the app-scoped one; versioned and unversioned paths agree', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    const f =
      'user_id,id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count'
    const a = await getJson(
      `${emu.url}/graph.instagram.com/v25.0/me?fields=${f}&access_token=${token}`,
    )
    const b = await getJson(`${emu.url}/graph.instagram.com/me?fields=${f}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(a.status, 200)
    assert.deepEqual(a.body, b.body)
    assert.equal(a.body.user_id, BUSINESS)
    assert.notEqual(a.body.id, BUSINESS)
    assert.equal(a.body.account_type, 'BUSINESS')
    assert.equal(a.body.media_count, 30)
    assert.equal(typeof a.body.followers_count, 'number')
    const byId = await getJson(
      `${emu.url}/graph.instagram.com/v25.0/${BUSINESS}?fields=username&access_token=${token}`,
    )
    assert.deepEqual(byId.body, { username: 'emu_business', id: a.body.id })
  })
})

describe('§1.5 media and cursor paging', () => {
  test('a bad cursor fails; paging walks all 30 posts and `next` is absent on the last page', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    const bad = await getJson(
      `${emu.url}/graph.instagram.com/me/media?after=xyz&access_token=${token}`,
    )
    assert.equal(bad.status, 400)
    let url: string | undefined =
      `${emu.url}/graph.instagram.com/v25.0/me/media?fields=id,media_type,timestamp&limit=12&access_token=${token}`
    const ids: string[] = []
    let pages = 0
    let last: any
    while (url) {
      const r = await getJson(url)
      assert.equal(r.status, 200)
      assert.ok(r.body.paging.cursors.before && r.body.paging.cursors.after)
      ids.push(...r.body.data.map((m: { id: string }) => m.id))
      for (const m of r.body.data) {
        assert.match(m.id, /^\d{17}$/)
        assert.match(m.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/)
      }
      last = r.body
      url = r.body.paging.next
      pages++
    }
    assert.equal(pages, 3)
    assert.equal(ids.length, 30)
    assert.equal(new Set(ids).size, 30)
    assert.equal(last.paging.next, undefined)
    assert.ok(last.paging.previous)
    const back = await getJson(last.paging.previous)
    assert.equal(back.body.data.length, 12)
  })

  test('media fields: VIDEO has thumbnail_url, images do not, carousels have children{media_url}', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    const r = await getJson(
      `${emu.url}/graph.instagram.com/me/media?fields=id,media_type,media_url,thumbnail_url,permalink,caption,children{id,media_url}&limit=3&access_token=${token}`,
    )
    const [img, vid, album] = r.body.data
    assert.equal(img.media_type, 'IMAGE')
    assert.equal(img.thumbnail_url, undefined)
    assert.equal(vid.media_type, 'VIDEO')
    // The emulator's own placeholder picture, on the origin it was asked at (offline feeds).
    assert.match(vid.thumbnail_url, /^http:\/\/127\.0\.0\.1:\d+\/_emulator\/media\/\d+\.svg$/)
    assert.equal(album.media_type, 'CAROUSEL_ALBUM')
    assert.equal(album.children.data.length, 3)
    assert.deepEqual(Object.keys(album.children.data[0]), ['id', 'media_url'])
    const one = await getJson(
      `${emu.url}/graph.instagram.com/${album.id}?fields=id,children&access_token=${token}`,
    )
    assert.deepEqual(
      one.body.children.data.map((c: { id: string }) => c.id),
      album.children.data.map((c: { id: string }) => c.id),
    )
    const kids = await getJson(
      `${emu.url}/graph.instagram.com/${album.id}/children?fields=media_type&access_token=${token}`,
    )
    assert.equal(kids.body.data.length, 3)
    assert.equal(kids.body.data[0].caption, undefined)
  })
})

describe('§3.3 Pages and instagram_business_account', () => {
  test('without pages_show_list /me/accounts is empty', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu, ['public_profile', 'instagram_basic'])
    const r = await getJson(`${emu.url}/graph.facebook.com/v25.0/me/accounts?access_token=${token}`)
    assert.deepEqual(r.body, { data: [] })
  })

  test('/{page-id}?fields=instagram_business_account and nested fields on /me/accounts', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const page = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/${PAGE}?fields=instagram_business_account&access_token=${token}`,
    )
    assert.deepEqual(page.body, { instagram_business_account: { id: CREATOR }, id: PAGE })
    const acc = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/me/accounts?fields=id,name,instagram_business_account{id,username}&access_token=${token}`,
    )
    assert.deepEqual(acc.body.data[0], {
      id: PAGE,
      name: 'Emulator Page',
      instagram_business_account: { id: CREATOR, username: 'emu_creator' },
    })
    assert.deepEqual(Object.keys(acc.body.data[1]), ['id', 'name'])
    const ig = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/${CREATOR}/media?fields=id,like_count&limit=2&access_token=${token}`,
    )
    assert.equal(ig.status, 200)
    assert.equal(ig.body.data.length, 2)
    assert.match(
      ig.headers.get('x-business-use-case-usage') ?? '',
      new RegExp(`"${CREATOR}":\\[\\{"type":"instagram"`),
    )
    const foreign = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/${BUSINESS}?access_token=${token}`,
    )
    assert.equal(graphError(foreign.body).code, 100)
  })
})

describe('§3.5 appsecret_proof', () => {
  test('required: missing, wrong and stale proofs fail; timed and untimed proofs pass', async (t) => {
    const emu = await emulator(t)
    await emu.control.updateApp(META_ID, { requireAppSecretProof: true })
    const token = await fbLogin(emu)
    const me = (extra: string) =>
      getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=${token}${extra}`)
    const missing = await me('')
    assert.equal(
      graphError(missing.body).message,
      'API calls from the server require an appsecret_proof argument',
    )
    assert.equal(
      graphError((await me('&appsecret_proof=abc')).body).message,
      'Invalid appsecret_proof provided in the API argument',
    )
    const { now } = await emu.control.getClock()
    const time = Math.floor(now / 1000)
    const timed = createHmac('sha256', META_SECRET).update(`${token}|${time}`).digest('hex')
    assert.equal((await me(`&appsecret_proof=${timed}&appsecret_time=${time}`)).status, 200)
    await emu.control.advanceClock(301_000)
    assert.equal((await me(`&appsecret_proof=${timed}&appsecret_time=${time}`)).status, 400)
    const untimed = createHmac('sha256', META_SECRET).update(token).digest('hex')
    assert.equal((await me(`&appsecret_proof=${untimed}`)).status, 200)
    await emu.control.setConfig({ acceptUntimedAppsecretProof: false })
    assert.equal((await me(`&appsecret_proof=${untimed}`)).status, 400)
  })
})
