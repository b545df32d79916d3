/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- JSON bodies under test are untyped on purpose */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { describe, test } from 'node:test'
import { DEMO_APP, EmulatorControlError, type EmulatorApp } from '../../src/emulator/index.js'
import {
  BUSINESS,
  FB_USER,
  IG_ID,
  IG_SECRET,
  META_ID,
  emulator,
  fbLogin,
  getJson,
  graphError,
  igLogin,
  igLong,
} from './helpers.js'

/** A receiver for deauthorize/data-deletion POSTs. */
async function receiver(
  t: { after: (fn: () => Promise<void>) => void },
  reply: (body: string) => { status: number; body: string },
): Promise<{ url: string; bodies: { contentType: string; body: string }[] }> {
  const bodies: { contentType: string; body: string }[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      bodies.push({ contentType: req.headers['content-type'] ?? '', body })
      const r = reply(body)
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      ),
  )
  const addr = server.address()
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/cb`, bodies }
}

function verify(signed: string, secret: string): Record<string, unknown> {
  const [sig, payload] = signed.split('.') as [string, string]
  const expected = createHmac('sha256', secret).update(payload).digest('base64url')
  assert.equal(sig, expected)
  return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
}

describe('§4 deauthorize and data-deletion callbacks', () => {
  test('revoke posts a signed_request (Instagram secret) with the app-scoped id from the exchange', async (t) => {
    const rx = await receiver(t, () => ({ status: 200, body: '{}' }))
    const emu = await emulator(t, { apps: [{ ...DEMO_APP, deauthorizeUrl: rx.url }] })
    const { codes } = await emu.control.mintCodes({ appId: IG_ID, userId: BUSINESS })
    const ex = await (
      await fetch(`${emu.url}/api.instagram.com/oauth/access_token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: IG_ID,
          client_secret: IG_SECRET,
          grant_type: 'authorization_code',
          redirect_uri: DEMO_APP.redirectUris[0]!,
          code: codes[0]!,
        }),
      })
    ).text()
    // The flat answer's user_id is a JSON number above 2^53: read its digits from the text.
    const exchangedUserId = /"user_id":(\d+)/.exec(ex)?.[1]
    const res = await emu.control.revoke({ userId: BUSINESS, appId: META_ID })
    assert.equal(res.invalidatedTokens, 1)
    assert.equal(rx.bodies.length, 1)
    assert.equal(rx.bodies[0]!.contentType, 'application/x-www-form-urlencoded')
    const signed = new URLSearchParams(rx.bodies[0]!.body).get('signed_request')!
    const payload = verify(signed, IG_SECRET)
    assert.equal(payload['algorithm'], 'HMAC-SHA256')
    assert.equal(payload['user_id'], exchangedUserId)
    assert.equal(typeof payload['issued_at'], 'number')
  })

  test('Facebook Login callbacks are signed with the Meta secret; callbackSecret overrides', async (t) => {
    const rx = await receiver(t, () => ({ status: 200, body: '{}' }))
    const emu = await emulator(t, { apps: [{ ...DEMO_APP, deauthorizeUrl: rx.url }] })
    await fbLogin(emu)
    await emu.control.revoke({ userId: FB_USER, appId: META_ID })
    verify(new URLSearchParams(rx.bodies[0]!.body).get('signed_request')!, DEMO_APP.metaAppSecret)
    await emu.control.setConfig({ callbackSecret: 'meta' })
    await igLogin(emu)
    await emu.control.revoke({ userId: BUSINESS, appId: IG_ID })
    verify(new URLSearchParams(rx.bodies[1]!.body).get('signed_request')!, DEMO_APP.metaAppSecret)
  })

  test('deleteData records a bad reply as such, and a good one as ok', async (t) => {
    let good = false
    const rx = await receiver(t, () =>
      good
        ? {
            status: 200,
            body: '{"url":"https://example.com/deletion?id=abc","confirmation_code":"abc"}',
          }
        : { status: 200, body: "{ url: 'x' }" },
    )
    const emu = await emulator(t, { apps: [{ ...DEMO_APP, dataDeletionUrl: rx.url }] })
    await assert.rejects(
      emu.control.deleteData({ userId: BUSINESS, appId: IG_ID }),
      (e: unknown) => e instanceof EmulatorControlError && e.status === 400,
    )
    await igLogin(emu)
    const bad = await emu.control.deleteData({ userId: BUSINESS, appId: IG_ID })
    assert.notEqual(bad.callbacks[0]!.verdict, 'ok')
    good = true
    const ok = await emu.control.deleteData({ userId: BUSINESS, appId: IG_ID })
    assert.equal(ok.callbacks[0]!.verdict, 'ok')
    assert.deepEqual(ok.callbacks[0]!.reply, {
      url: 'https://example.com/deletion?id=abc',
      confirmation_code: 'abc',
    })
    const payload = verify(
      new URLSearchParams(rx.bodies[1]!.body).get('signed_request')!,
      IG_SECRET,
    )
    assert.equal(typeof payload['expires'], 'number')
    assert.equal((await emu.control.callbacks()).length, 2)
  })
})

describe('control API', () => {
  test('bad bodies are refused and change nothing', async (t) => {
    const emu = await emulator(t)
    const before = await emu.control.apps()
    await assert.rejects(
      emu.control.addApp({ ...DEMO_APP, metaAppId: 'abc' }),
      (e: unknown) => e instanceof EmulatorControlError && e.status === 400,
    )
    await assert.rejects(
      emu.control.addApp(DEMO_APP),
      (e: unknown) => e instanceof EmulatorControlError && /exists/.test(e.message),
    )
    const junk = await fetch(`${emu.url}/_emulator/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    })
    assert.equal(junk.status, 400)
    assert.deepEqual(((await junk.json()) as any).error.code, 'invalid_json')
    await assert.rejects(
      emu.control.setFaults({ rules: [{ match: { host: 'graph.instagram.com' }, errorRate: 2 }] }),
    )
    assert.deepEqual(await emu.control.apps(), before)
  })

  test('apps are listed without secrets; new apps and users work', async (t) => {
    const emu = await emulator(t)
    const app: EmulatorApp = {
      ...DEMO_APP,
      name: 'Second',
      metaAppId: '3000',
      instagramAppId: '4000',
      instagramAppSecret: 'sec4',
    }
    await emu.control.addApp(app)
    const apps = await emu.control.apps()
    assert.equal(apps.length, 2)
    assert.ok(!JSON.stringify(apps).includes('secret'))
    const user = await emu.control.addUser({
      kind: 'instagram',
      username: 'new_one',
      accountType: 'MEDIA_CREATOR',
      mediaCount: 3,
    })
    assert.match(user.id, /^\d{17}$/)
    assert.equal(user['mediaCount'], 3)
  })

  test('clock: set, advance, reset', async (t) => {
    const emu = await emulator(t)
    const set = await emu.control.setClock('2030-01-01T00:00:00.000Z')
    assert.ok(Math.abs(set.now - Date.parse('2030-01-01T00:00:00.000Z')) < 1000)
    const adv = await emu.control.advanceClock(60 * 86_400_000)
    assert.ok(adv.iso.startsWith('2030-03-02'))
    await emu.control.reset()
    assert.ok(Math.abs((await emu.control.getClock()).now - Date.now()) < 5000)
  })

  test('request log: endpoint names, statuses, fingerprints and never a raw token, code or secret', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    await getJson(
      `${emu.url}/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`,
    )
    const log = await emu.control.requests()
    const text = JSON.stringify(log)
    assert.ok(!text.includes(token))
    assert.ok(!text.includes(IG_SECRET))
    assert.ok(!text.includes('AQ'))
    const refresh = await emu.control.requests({ endpoint: 'ig.refresh_access_token' })
    assert.equal(refresh.length, 1)
    assert.equal(refresh[0]!.status, 400)
    assert.equal(refresh[0]!.path, '/refresh_access_token')
    assert.equal(refresh[0]!.userId, BUSINESS)
    assert.match(refresh[0]!.tokenFingerprint ?? '', /^[0-9a-f]{12}$/)
    assert.equal((await emu.control.requests({ appId: IG_ID, endpoint: 'ig.me' })).length, 1)
  })
})

describe('§6.4 rate limits', () => {
  test('Instagram Login: 80002 past the user limit, 4 past the app limit, with usage headers', async (t) => {
    const emu = await emulator(t)
    const token = await igLong(emu, await igLogin(emu))
    await emu.control.setLimits({ userCalls: 2, appCalls: 1000 })
    const first = await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    // graph.instagram.com's own keys (graph.facebook.com writes call_count/total_time/total_cputime).
    assert.equal(first.headers.get('x-app-usage'), '{"call_volume":0,"cpu_time":0}')
    const buc = JSON.parse(first.headers.get('x-business-use-case-usage') ?? '{}')
    assert.equal(buc[BUSINESS][0].type, 'instagram')
    assert.equal(buc[BUSINESS][0].call_count, 50)
    await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    const third = await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    assert.equal(graphError(third.body).code, 80002)
    const regain = JSON.parse(third.headers.get('x-business-use-case-usage') ?? '{}')[BUSINESS][0]
      .estimated_time_to_regain_access
    assert.equal(regain, 60)
    await emu.control.advanceClock(3600_000)
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)).status,
      200,
    )
    await emu.control.setLimits({ userCalls: 1000, appCalls: 1 })
    await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    assert.equal(
      graphError((await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)).body)
        .code,
      4,
    )
  })

  test('Facebook user tokens get 17', async (t) => {
    const emu = await emulator(t, { config: { limits: { userCalls: 1 } } })
    const token = await fbLogin(emu)
    await getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=${token}`)
    assert.equal(
      graphError(
        (await getJson(`${emu.url}/graph.facebook.com/v25.0/me?access_token=${token}`)).body,
      ).code,
      17,
    )
  })
})

describe('faults', () => {
  test('5xx, HTML and malformed JSON per endpoint; other endpoints untouched; clear restores', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    await emu.control.setFaults({
      seed: 1,
      rules: [{ match: { endpoint: 'ig.me' }, errorRate: 1, errorStatus: 503 }],
    })
    const err = await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    assert.equal(err.status, 503)
    assert.equal(graphError(err.body).code, 2)
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me/media?access_token=${token}`)).status,
      200,
    )
    await emu.control.setFaults({
      rules: [{ match: { host: 'graph.instagram.com', path: '/v*/me' }, htmlRate: 1 }],
    })
    const html = await fetch(`${emu.url}/graph.instagram.com/v25.0/me?access_token=${token}`)
    assert.equal(html.status, 502)
    assert.match(html.headers.get('content-type') ?? '', /text\/html/)
    await emu.control.setFaults({ rules: [{ match: { endpoint: 'ig.me' }, malformedRate: 1 }] })
    const cut = await fetch(`${emu.url}/graph.instagram.com/me?access_token=${token}`)
    await assert.rejects(cut.json())
    await emu.control.clearFaults()
    assert.equal(
      (await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`)).status,
      200,
    )
  })

  test('timeouts hold the request until the client gives up', async (t) => {
    const emu = await emulator(t)
    await emu.control.setFaults({
      rules: [{ match: { endpoint: 'ig.me' }, timeoutRate: 1, holdMaxMs: 60_000 }],
    })
    await assert.rejects(
      fetch(`${emu.url}/graph.instagram.com/me`, { signal: AbortSignal.timeout(300) }),
      { name: 'TimeoutError' },
    )
    await emu.control.clearFaults()
  })

  test('a seed makes the draws repeatable', async (t) => {
    const emu = await emulator(t)
    const run = async () => {
      await emu.control.setFaults({
        seed: 42,
        rules: [{ match: { endpoint: 'ig.me' }, errorRate: 0.5 }],
      })
      const out: number[] = []
      for (let i = 0; i < 12; i++)
        out.push((await fetch(`${emu.url}/graph.instagram.com/me`)).status)
      return out
    }
    const a = await run()
    assert.deepEqual(await run(), a)
    assert.ok(a.includes(500) && a.some((s) => s !== 500))
  })
})

describe('bad input gets Meta-shaped errors', () => {
  test('unknown paths, wrong methods, junk bodies and huge bodies', async (t) => {
    const emu = await emulator(t)
    const token = await igLogin(emu)
    const unknown = await getJson(
      `${emu.url}/graph.instagram.com/v25.0/me/nothing/here?access_token=${token}`,
    )
    assert.equal(graphError(unknown.body).code, 2500)
    const obj = await getJson(`${emu.url}/graph.facebook.com/v25.0/12345?access_token=x`)
    assert.equal(graphError(obj.body).code, 190)
    const post = await getJson(`${emu.url}/graph.instagram.com/me?access_token=${token}`, {
      method: 'POST',
    })
    assert.match(graphError(post.body).message, /^Unsupported post request/)
    const get = await getJson(`${emu.url}/api.instagram.com/oauth/access_token`)
    assert.equal(get.body.error_type, 'OAuthException')
    const nf = await getJson(`${emu.url}/api.instagram.com/nope`)
    assert.equal(nf.body.error_type, 'OAuthException')
    const huge = await fetch(`${emu.url}/api.instagram.com/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${'a'.repeat(1_100_000)}`,
    })
    assert.equal(huge.status, 413)
    assert.equal(((await huge.json()) as any).error_type, 'OAuthException')
    const hugeGraph = await getJson(`${emu.url}/graph.facebook.com/v25.0/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(1_100_000),
    })
    assert.equal(hugeGraph.status, 413)
    graphError(hugeGraph.body)
    const junk = await getJson(`${emu.url}/graph.facebook.com/v25.0/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    })
    assert.equal(graphError(junk.body).code, 101)
    const dialog = await fetch(`${emu.url}/www.facebook.com/nope/dialog/oauth`)
    assert.equal(dialog.status, 404)
    assert.match(dialog.headers.get('content-type') ?? '', /text\/html/)
  })
})
