/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON bodies under test are untyped on purpose */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BUSINESS,
  DAY,
  FB_USER,
  IG_ID,
  IG_SECRET,
  META_ID,
  META_SECRET,
  PAGE,
  emulator,
  fbLogin,
  getJson,
  graphError,
  igLogin,
  igLong,
} from './helpers.js'

const refreshUrl = (emu: { url: string }, token: string) =>
  `${emu.url}/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`

describe('§2.5 long-lived token (graph.instagram.com/access_token)', () => {
  test('a wrong secret, the Meta secret and an expired short token are refused', async (t) => {
    const emu = await emulator(t)
    const short = await igLogin(emu)
    for (const secret of ['wrong', META_SECRET]) {
      const r = await getJson(
        `${emu.url}/graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret=${secret}&access_token=${short}`,
      )
      assert.equal(r.status, 400)
      assert.equal(graphError(r.body).message, 'Error validating client secret.')
    }
    await emu.control.advanceClock(3600_000)
    const r = await getJson(
      `${emu.url}/graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret=${IG_SECRET}&access_token=${short}`,
    )
    assert.equal(r.status, 400)
    const e = graphError(r.body)
    assert.equal(e.code, 190)
    // graph.instagram.com writes subcode 0 for an expired token (graph.facebook.com: 463).
    assert.equal(e.error_subcode, 0)
    assert.equal(e.type, 'OAuthException')
    assert.match(
      e.message,
      /^Error validating access token: Session has expired on \w+day, \d{2}-\w{3}-\d{2} \d{2}:\d{2}:\d{2} P[SD]T\. The current time is .+\.$/,
    )
    assert.match(
      r.headers.get('www-authenticate') ?? '',
      /^OAuth "Facebook Platform" "invalid_token" "Error validating access token/,
    )
  })

  test('bearer token with expires_in 5183944', async (t) => {
    const emu = await emulator(t)
    const r = await getJson(
      `${emu.url}/graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret=${IG_SECRET}&access_token=${await igLogin(emu)}`,
    )
    assert.equal(r.status, 200)
    assert.deepEqual(Object.keys(r.body), ['access_token', 'token_type', 'expires_in'])
    assert.match(r.body.access_token, /^IGAA/)
    assert.equal(r.body.token_type, 'bearer')
    assert.equal(r.body.expires_in, 5183944)
  })
})

describe('§1.4/§2.5 refresh (graph.instagram.com/refresh_access_token)', () => {
  test('POST is refused with "Unsupported request - method type: post"', async (t) => {
    const emu = await emulator(t)
    const long = await igLong(emu, await igLogin(emu))
    const res = await fetch(refreshUrl(emu, long), { method: 'POST' })
    assert.equal(res.status, 400)
    assert.equal(graphError(await res.json()).message, 'Unsupported request - method type: post')
  })

  test('a token younger than 24 h, a short-lived token and an expired token cannot be refreshed', async (t) => {
    const emu = await emulator(t)
    const short = await igLogin(emu)
    const long = await igLong(emu, short)
    const young = await getJson(refreshUrl(emu, long))
    assert.equal(young.status, 400)
    assert.equal(graphError(young.body).code, 100)
    await emu.control.advanceClock(DAY - 1000)
    assert.equal((await getJson(refreshUrl(emu, long))).status, 400)
    await emu.control.advanceClock(60 * DAY)
    const expired = graphError((await getJson(refreshUrl(emu, long))).body)
    assert.equal(expired.code, 190)
    assert.equal(expired.error_subcode, 0)
  })

  test('after 24 h: a new token valid 60 days from the refresh; the old one keeps working', async (t) => {
    const emu = await emulator(t)
    const long = await igLong(emu, await igLogin(emu))
    await emu.control.advanceClock(DAY)
    const r = await getJson(refreshUrl(emu, long))
    assert.equal(r.status, 200)
    assert.equal(r.body.token_type, 'bearer')
    assert.equal(r.body.expires_in, 5183944)
    assert.notEqual(r.body.access_token, long)
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${long}`)).status,
      200,
    )
    // 59 days later the original has expired, the refreshed one has not.
    await emu.control.advanceClock(59.5 * DAY)
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${long}`)).status,
      400,
    )
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${r.body.access_token}`))
        .status,
      200,
    )
  })

  test('refreshInvalidatesOld and refreshReturnsSameToken', async (t) => {
    const emu = await emulator(t, { config: { refreshInvalidatesOld: true } })
    const long = await igLong(emu, await igLogin(emu))
    await emu.control.advanceClock(DAY)
    assert.equal((await getJson(refreshUrl(emu, long))).status, 200)
    const old = graphError(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${long}`)).body,
    )
    assert.equal(old.code, 190)
    await emu.control.setConfig({ refreshReturnsSameToken: true, refreshInvalidatesOld: false })
    const l2 = await igLong(emu, await igLogin(emu))
    await emu.control.advanceClock(DAY)
    const r = await getJson(refreshUrl(emu, l2))
    assert.equal(r.body.access_token, l2)
    await emu.control.advanceClock(59 * DAY)
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${l2}`)).status,
      200,
    )
  })
})

describe('§3.3 Facebook long-lived user tokens and Page tokens', () => {
  test('fb_exchange_token with a wrong secret is refused; with the right one gives 5183944 s', async (t) => {
    const emu = await emulator(t)
    const short = await fbLogin(emu)
    const u = (secret: string) =>
      `${emu.url}/graph.facebook.com/v25.0/oauth/access_token?grant_type=fb_exchange_token&client_id=${META_ID}&client_secret=${secret}&fb_exchange_token=${short}`
    assert.equal(
      graphError((await getJson(u('bad'))).body).message,
      'Error validating client secret.',
    )
    const r = await getJson(u(META_SECRET))
    assert.equal(r.status, 200)
    assert.equal(r.body.expires_in, 5183944)
    assert.match(r.body.access_token, /^EAA/)
  })

  test('/me/accounts with a long-lived user token yields Page tokens that never expire', async (t) => {
    const emu = await emulator(t)
    const short = await fbLogin(emu)
    const long = (
      await getJson(
        `${emu.url}/graph.facebook.com/v25.0/oauth/access_token?grant_type=fb_exchange_token&client_id=${META_ID}&client_secret=${META_SECRET}&fb_exchange_token=${short}`,
      )
    ).body.access_token
    const accounts = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/me/accounts?access_token=${long}`,
    )
    assert.equal(accounts.status, 200)
    const page = accounts.body.data.find((p: { id: string }) => p.id === PAGE)
    assert.deepEqual(Object.keys(page), ['access_token', 'category', 'name', 'id', 'tasks'])
    const debug = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/debug_token?input_token=${page.access_token}&access_token=${META_ID}|${META_SECRET}`,
    )
    assert.equal(debug.body.data.type, 'PAGE')
    assert.equal(debug.body.data.expires_at, 0)
    await emu.control.advanceClock(400 * DAY)
    assert.equal(
      (
        await getJson(
          `${emu.url}/graph.facebook.com/v25.0/${PAGE}?fields=instagram_business_account&access_token=${page.access_token}`,
        )
      ).status,
      200,
    )
  })
})

describe('§3.4 debug_token', () => {
  test('without an app token it is refused', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const r = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/debug_token?input_token=${token}&access_token=${META_ID}|wrong`,
    )
    assert.equal(r.status, 400)
    assert.equal(graphError(r.body).code, 100)
  })

  test('valid user token: the documented fields', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    const r = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/debug_token?input_token=${token}&access_token=${META_ID}|${META_SECRET}`,
    )
    assert.equal(r.status, 200)
    const d = r.body.data
    for (const k of [
      'app_id',
      'type',
      'application',
      'data_access_expires_at',
      'expires_at',
      'is_valid',
      'issued_at',
      'scopes',
      'granular_scopes',
      'user_id',
    ]) {
      assert.ok(k in d, k)
    }
    assert.equal(d.app_id, META_ID)
    assert.equal(d.type, 'USER')
    assert.equal(d.is_valid, true)
    assert.equal(d.application, 'igtoken demo')
    assert.ok(d.expires_at > d.issued_at)
    assert.ok(d.scopes.includes('instagram_basic'))
    assert.deepEqual(
      d.granular_scopes.find((g: { scope: string }) => g.scope === 'instagram_basic').target_ids,
      ['17841405822304914'],
    )
  })

  test('invalid and expired tokens: is_valid false with data.error', async (t) => {
    const emu = await emulator(t)
    const token = await fbLogin(emu)
    await emu.control.advanceClock(2 * 3600_000)
    const r = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/debug_token?input_token=${token}&access_token=${META_ID}|${META_SECRET}`,
    )
    assert.equal(r.body.data.is_valid, false)
    assert.equal(r.body.data.error.code, 190)
    assert.equal(r.body.data.error.subcode, 463)
    const junk = await getJson(
      `${emu.url}/graph.facebook.com/v25.0/debug_token?input_token=junk&access_token=${META_ID}|${META_SECRET}`,
    )
    assert.equal(junk.body.data.is_valid, false)
    assert.equal(junk.body.data.error.code, 190)
  })
})

describe('§6.1/§6.3 invalidated tokens', () => {
  test('graph.instagram.com rejects Facebook tokens and garbage alike', async (t) => {
    const emu = await emulator(t)
    const fb = await fbLogin(emu)
    for (const token of [fb, 'garbage']) {
      const r = await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
      assert.equal(r.status, 400)
      const e = graphError(r.body)
      assert.equal(e.code, 190)
      assert.equal(e.message, 'Invalid OAuth access token - Cannot parse access token')
    }
    // As live Meta answers a tokenless probe: no subcode, no fbtrace_id.
    const missing = (await getJson(`${emu.url}/graph.instagram.com/me`)).body
    assert.deepEqual(missing, {
      error: { message: 'Invalid OAuth 2.0 Access Token', type: 'IGApiException', code: 190 },
    })
    // graph.facebook.com cannot decrypt a garbled EAA… string.
    const garbled = graphError(
      (await getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=EAAgarbled`)).body,
    )
    assert.equal(garbled.message, 'The access token could not be decrypted')
    const fbMissing = graphError((await getJson(`${emu.url}/graph.facebook.com/v25.0/me`)).body)
    assert.equal(fbMissing.code, 2500)
  })

  test('revoke gives 458 and a password change 460, in the envelope with WWW-Authenticate', async (t) => {
    const emu = await emulator(t)
    const a = await igLong(emu, await igLogin(emu))
    const fb = await fbLogin(emu)
    const res = await emu.control.revoke({ userId: BUSINESS, appId: IG_ID })
    assert.equal(res.invalidatedTokens, 2)
    const r = await getJson(`${emu.url}/graph.instagram.com/me?access_token=${a}`)
    assert.equal(r.status, 400)
    assert.equal(graphError(r.body).error_subcode, 458)
    assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/)
    await emu.control.changePassword({ userId: FB_USER })
    const p = await getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=${fb}`)
    assert.equal(graphError(p.body).error_subcode, 460)
    assert.match(graphError(p.body).message, /changed their password/)
  })
})
