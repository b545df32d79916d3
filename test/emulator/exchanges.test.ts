/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument -- JSON bodies under test are untyped on purpose */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  BUSINESS,
  FB_USER,
  IG_ID,
  IG_SECRET,
  META_ID,
  META_SECRET,
  PERSONAL,
  REDIRECT,
  authorizeUrl,
  codeFrom,
  consent,
  emulator,
  getJson,
  graphError,
  igExchange,
} from './helpers.js'

const IG_ERROR = (message: string) => ({
  error_type: 'OAuthException',
  code: 400,
  error_message: message,
})

async function igCode(
  emu: Awaited<ReturnType<typeof emulator>>,
  userId = BUSINESS,
  flavor?: 'basic-display',
): Promise<string> {
  const { codes } = await emu.control.mintCodes({
    appId: IG_ID,
    userId,
    ...(flavor ? { flavor } : {}),
  })
  return codes[0]!
}

const fields = (code: string, over: Record<string, string> = {}) => ({
  client_id: IG_ID,
  client_secret: IG_SECRET,
  grant_type: 'authorization_code',
  redirect_uri: REDIRECT,
  code,
  ...over,
})

describe('§2.4 code exchange (api.instagram.com/oauth/access_token)', () => {
  test('the Meta app id and secret answer "Invalid platform app"', async (t) => {
    const emu = await emulator(t)
    const code = await igCode(emu)
    const res = await igExchange(
      emu,
      fields(code, { client_id: META_ID, client_secret: META_SECRET }),
    )
    assert.equal(res.status, 400)
    assert.deepEqual(await res.json(), IG_ERROR('Invalid platform app'))
  })

  test('a wrong secret, a wrong redirect_uri and a JSON body are refused without using the code', async (t) => {
    const emu = await emulator(t)
    const code = await igCode(emu)
    let res = await igExchange(emu, fields(code, { client_secret: 'nope' }))
    assert.deepEqual(await res.json(), IG_ERROR('Invalid client_secret'))
    res = await igExchange(emu, fields(code, { redirect_uri: `${REDIRECT}/` }))
    assert.deepEqual(await res.json(), IG_ERROR('Invalid redirect_uri'))
    res = await fetch(`${emu.url}/api.instagram.com/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields(code)),
    })
    assert.equal(res.status, 400)
    assert.deepEqual(await res.json(), IG_ERROR('Missing required field client_id'))
    res = await igExchange(emu, fields(code))
    assert.equal(res.status, 200)
  })

  test('second use, unknown and expired codes answer "Matching code was not found or was already used"', async (t) => {
    const emu = await emulator(t)
    const code = await igCode(emu)
    assert.equal((await igExchange(emu, fields(code))).status, 200)
    for (const c of [code, 'AQnotacode']) {
      const res = await igExchange(emu, fields(c))
      assert.equal(res.status, 400)
      assert.deepEqual(
        await res.json(),
        IG_ERROR('Matching code was not found or was already used.'),
      )
    }
    const old = await igCode(emu)
    await emu.control.advanceClock(3600_000)
    assert.deepEqual(
      await (await igExchange(emu, fields(old))).json(),
      IG_ERROR('Matching code was not found or was already used.'),
    )
  })

  test('wrapped body (documented): data[0] with IGAA token, string user_id and comma-separated permissions', async (t) => {
    const emu = await emulator(t, { config: { instagramExchangeShape: 'wrapped' } })
    const location = await consent(
      emu,
      authorizeUrl(emu, 'www.instagram.com', {
        client_id: IG_ID,
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'instagram_business_basic,instagram_business_manage_insights',
      }),
    )
    const res = await igExchange(emu, fields(codeFrom(location)))
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    const body = (await res.json()) as {
      data: { access_token: string; user_id: unknown; permissions: string }[]
    }
    assert.equal(body.data.length, 1)
    const entry = body.data[0]!
    assert.deepEqual(Object.keys(entry), ['access_token', 'user_id', 'permissions'])
    assert.match(entry.access_token, /^IGAA/)
    assert.equal(typeof entry.user_id, 'string')
    assert.match(String(entry.user_id), /^\d{17}$/)
    assert.equal(entry.permissions, 'instagram_business_basic,instagram_business_manage_insights')
  })

  test('flat body by default (live): numeric user_id above 2^53 and a permissions array', async (t) => {
    const emu = await emulator(t)
    const text = await (await igExchange(emu, fields(await igCode(emu)))).text()
    const m = /^\{"access_token":"(IGAA[^"]+)","user_id":(\d{17}),"permissions":(\[.*\])\}$/.exec(
      text,
    )
    assert.ok(m, text)
    assert.ok(BigInt(m[2]!) > BigInt(Number.MAX_SAFE_INTEGER))
    assert.deepEqual(JSON.parse(m[3]!), ['instagram_business_basic'])
    const me = await getJson(`${emu.url}/graph.instagram.com/me?fields=id&access_token=${m[1]!}`)
    assert.equal(me.body.id, m[2])
  })

  test('multipart form data (curl -F) is accepted', async (t) => {
    const emu = await emulator(t)
    const form = new FormData()
    for (const [k, v] of Object.entries(fields(await igCode(emu)))) form.append(k, v)
    const res = await fetch(`${emu.url}/api.instagram.com/oauth/access_token`, {
      method: 'POST',
      body: form,
    })
    assert.equal(res.status, 200)
  })
})

describe('§1.2 Basic Display code exchange', () => {
  test('shut down by default: a Basic Display code is refused', async (t) => {
    const emu = await emulator(t)
    const res = await igExchange(emu, fields(await igCode(emu, PERSONAL, 'basic-display')))
    assert.equal(res.status, 400)
    assert.deepEqual(await res.json(), IG_ERROR('Unsupported request - method type: post'))
  })

  test('before-shutdown: flat body with an IGQV token and a numeric user_id above MAX_SAFE_INTEGER, every digit kept', async (t) => {
    const emu = await emulator(t, { config: { basicDisplay: 'before-shutdown' } })
    const res = await igExchange(emu, fields(await igCode(emu, PERSONAL, 'basic-display')))
    assert.equal(res.status, 200)
    const text = await res.text()
    const m = /^\{"access_token":"(IGQV[^"]+)","user_id":(\d{17})\}$/.exec(text)
    assert.ok(m, text)
    assert.ok(BigInt(m[2]!) > BigInt(Number.MAX_SAFE_INTEGER))
    const me = await getJson(
      `${emu.url}/graph.instagram.com/me?fields=id,username,account_type&access_token=${m[1]!}`,
    )
    assert.deepEqual(me.body, { id: m[2], username: 'emu_personal', account_type: 'PERSONAL' })
  })
})

describe('§3.2 Facebook code exchange (graph.facebook.com/vNN.0/oauth/access_token)', () => {
  async function fbCode(emu: Awaited<ReturnType<typeof emulator>>): Promise<string> {
    return (
      await emu.control.mintCodes({ appId: META_ID, userId: FB_USER, flavor: 'facebook-login' })
    ).codes[0]!
  }
  const url = (emu: { url: string }, p: Record<string, string>) =>
    `${emu.url}/graph.facebook.com/v25.0/oauth/access_token?${new URLSearchParams(p).toString()}`
  const base = (code: string) => ({
    client_id: META_ID,
    client_secret: META_SECRET,
    redirect_uri: REDIRECT,
    code,
  })

  test('redirect mismatch: code 100, subcode 36008 and the fact-sheet message', async (t) => {
    const emu = await emulator(t)
    const r = await getJson(
      url(emu, { ...base(await fbCode(emu)), redirect_uri: 'https://other.example/' }),
    )
    assert.equal(r.status, 400)
    const e = graphError(r.body)
    assert.equal(e.code, 100)
    assert.equal(e.error_subcode, 36008)
    assert.equal(e.type, 'OAuthException')
    assert.equal(
      e.message,
      'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
    )
  })

  test('reuse: code 100, subcode 36009 and the WWW-Authenticate header', async (t) => {
    const emu = await emulator(t)
    const code = await fbCode(emu)
    const ok = await getJson(url(emu, base(code)))
    assert.equal(ok.status, 200)
    assert.deepEqual(Object.keys(ok.body), ['access_token', 'token_type', 'expires_in'])
    assert.match(ok.body.access_token, /^EAA/)
    assert.equal(ok.body.token_type, 'bearer')
    const again = await getJson(url(emu, base(code)))
    assert.equal(again.status, 400)
    const e = graphError(again.body)
    assert.equal(e.error_subcode, 36009)
    assert.equal(e.message, 'This authorization code has been used.')
    assert.equal(
      again.headers.get('www-authenticate'),
      'OAuth "Facebook Platform" "invalid_code" "This authorization code has been used."',
    )
  })

  test('the Instagram app id or a wrong secret is refused', async (t) => {
    const emu = await emulator(t)
    const code = await fbCode(emu)
    let e = graphError((await getJson(url(emu, { ...base(code), client_id: IG_ID }))).body)
    assert.equal(e.code, 101)
    e = graphError((await getJson(url(emu, { ...base(code), client_secret: 'x' }))).body)
    assert.equal(e.message, 'Error validating client secret.')
    assert.equal((await getJson(url(emu, base(code)))).status, 200)
  })
})
