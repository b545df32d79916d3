// The library's whole path for every flavor, against the emulator over loopback HTTP:
// authorize → consent (a form POST, as a browser with JavaScript off) → code → token →
// long-lived → refresh → /me. The two were written apart from the fact sheet, so each checks the other.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import {
  BrokerError,
  MetaApiError,
  createMetaClient,
  emulatorBaseUrls,
} from '../../src/meta/index.js'
import type { FlavorName, MetaClient } from '../../src/meta/index.js'
import { answerConsent } from '../helpers/consent.js'

const REDIRECT = 'https://localhost:8443/callback'
const DAY = 86_400_000
let emulator: RunningEmulator
let offset = 0
const now = () => Date.now() + offset

before(async () => {
  emulator = await startEmulator({ port: 0 })
})
after(async () => {
  await emulator.close()
})

async function advance(ms: number): Promise<void> {
  offset += ms
  await emulator.control.advanceClock(ms)
}

function client(flavor: FlavorName, warnings: string[] = []): MetaClient {
  const instagram = flavor !== 'facebook-login'
  return createMetaClient({
    flavor,
    appId: instagram ? DEMO_APP.instagramAppId : DEMO_APP.metaAppId,
    appSecret: instagram ? DEMO_APP.instagramAppSecret : DEMO_APP.metaAppSecret,
    redirectUri: REDIRECT,
    baseUrls: emulatorBaseUrls(emulator.url),
    now,
    onWarning: (_message, code) => warnings.push(code),
  })
}

async function authorize(meta: MetaClient, userId?: string): Promise<string> {
  const state = `state-${Math.random().toString(36).slice(2)}`
  const url = meta.buildAuthorizationUrl({ state })
  const redirect = await answerConsent(url, 'allow', userId === undefined ? {} : { userId })
  assert.ok(redirect.startsWith(REDIRECT))
  return meta.parseRedirect(redirect, { expectedState: state }).code
}

describe('instagram-login through the emulator', () => {
  test('authorize → code → short → long → refresh → /me, and the code works once', async () => {
    const meta = client('instagram-login')
    const code = await authorize(meta, '17841405793187218')
    const short = await meta.exchangeCode(code)
    assert.match(short.accessToken, /^IGAA/)
    // Live Meta's flat answer: user_id a JSON number above 2^53, kept digit for digit.
    assert.ok(short.userId !== null && /^\d{17}$/.test(short.userId))
    assert.ok(BigInt(short.userId) > BigInt(Number.MAX_SAFE_INTEGER))
    assert.deepEqual(short.permissions, ['instagram_business_basic'])

    await assert.rejects(meta.exchangeCode(code), (error: unknown) => {
      assert.ok(error instanceof MetaApiError)
      assert.equal(error.action, 'fix-request')
      assert.match(error.message, /Matching code was not found or was already used/)
      return true
    })

    const long = await meta.exchangeForLongLivedToken(short.accessToken)
    assert.equal(long.expiresIn, 5_183_944)
    await assert.rejects(
      meta.refreshLongLivedToken(long.accessToken, { issuedAt: now() }),
      (e: unknown) => {
        assert.ok(e instanceof BrokerError)
        assert.equal(e.code, 'IGB_REFRESH_TOO_EARLY')
        return true
      },
    )
    await advance(DAY + 60_000)
    const refreshed = await meta.refreshLongLivedToken(long.accessToken, {
      issuedAt: now() - DAY - 60_000,
    })
    assert.ok(refreshed.expiresAt > long.expiresAt)

    const profile = await meta.getProfile(refreshed.accessToken)
    assert.equal(profile.username, 'emu_business')
    assert.equal(profile.userId, '17841405793187218')
    assert.equal(profile.id, short.userId)
    const media = await meta.listMedia(refreshed.accessToken, { limit: 5 })
    assert.equal(media.items.length, 5)
    assert.ok(media.nextCursor !== null)
    const all = await meta.listMedia(refreshed.accessToken, { limit: 10, maxPages: 10 })
    assert.equal(all.items.length, 30)
    assert.equal(new Set(all.items.map((m) => m.id)).size, 30)
  })

  test('the Meta app id where the Instagram app id belongs is "Invalid platform app", with a hint', async () => {
    const good = client('instagram-login')
    const code = await authorize(good)
    const wrong = createMetaClient({
      flavor: 'instagram-login',
      appId: DEMO_APP.metaAppId,
      appSecret: DEMO_APP.metaAppSecret,
      redirectUri: REDIRECT,
      baseUrls: emulatorBaseUrls(emulator.url),
    })
    await assert.rejects(wrong.exchangeCode(code), (error: unknown) => {
      assert.ok(error instanceof MetaApiError)
      assert.match(error.message, /Invalid platform app/)
      assert.match(error.hint ?? '', /Instagram app/i)
      assert.ok(!JSON.stringify(error).includes(DEMO_APP.metaAppSecret))
      assert.ok(!JSON.stringify(error).includes(code))
      return true
    })
  })

  test('a password change makes the token unusable with a reauthorize action', async () => {
    const meta = client('instagram-login')
    const short = await meta.exchangeCode(await authorize(meta, '17841405822304914'))
    const long = await meta.exchangeForLongLivedToken(short.accessToken)
    await emulator.control.changePassword({ userId: '17841405822304914' })
    await assert.rejects(meta.getProfile(long.accessToken), (error: unknown) => {
      assert.ok(error instanceof MetaApiError)
      assert.equal(error.code, 190)
      assert.equal(error.subcode, 460)
      assert.equal(error.action, 'reauthorize')
      return true
    })
  })
})

describe('facebook-login through the emulator', () => {
  test('dialog → code → user token → long-lived → Pages with the Instagram account → debug_token', async () => {
    const meta = client('facebook-login')
    const code = await authorize(meta)
    const short = await meta.exchangeCode(code)
    assert.match(short.accessToken, /^EAA/)
    await assert.rejects(meta.exchangeCode(code), (error: unknown) => {
      assert.ok(error instanceof MetaApiError)
      assert.equal(error.code, 100)
      assert.equal(error.subcode, 36009)
      return true
    })
    const long = await meta.exchangeForLongLivedToken(short.accessToken)
    assert.ok(long.expiresAt > now() + 50 * DAY)
    await assert.rejects(meta.refreshLongLivedToken(long.accessToken), (e: unknown) => {
      assert.ok(e instanceof BrokerError)
      assert.equal(e.code, 'IGB_REFRESH_UNSUPPORTED')
      return true
    })

    const pages = await meta.listPages(long.accessToken)
    const linked = pages.find((p) => p.instagramBusinessAccount !== null)
    assert.ok(linked)
    assert.equal(linked.instagramBusinessAccount?.id, '17841405822304914')
    assert.ok(pages.some((p) => p.instagramBusinessAccount === null))
    assert.deepEqual(await meta.getInstagramBusinessAccount(linked.id, linked.accessToken), {
      id: '17841405822304914',
    })

    const page = await meta.inspectToken(linked.accessToken)
    assert.equal(page.isValid, true)
    assert.equal(page.type, 'PAGE')
    assert.equal(page.expiresAt, null)
    const user = await meta.inspectToken(long.accessToken)
    assert.equal(user.type, 'USER')
    assert.ok(user.expiresAt !== null && user.expiresAt > now())
  })
})

describe('basic-display (legacy) through the emulator', () => {
  test('shut down by default: a Basic Display token is refused, and the hint names the shutdown', async () => {
    const meta = client('basic-display')
    const { access_token: token } = await emulator.control.mintToken({
      appId: DEMO_APP.instagramAppId,
      userId: '17841400000000301',
      flavor: 'basic-display',
    })
    await assert.rejects(meta.refreshLongLivedToken(token, { force: true }), (e: unknown) => {
      assert.ok(e instanceof MetaApiError)
      assert.deepEqual([e.status, e.code, e.type], [400, 100, 'IGApiException'])
      assert.equal(e.message, 'Unsupported request - method type: get')
      assert.equal(e.action, 'permission')
      assert.match(e.hint ?? '', /Basic Display .*2024-12-04/)
      return true
    })
  })

  test('before-shutdown: warns once that Meta shut it down, and still plays the whole path', async (t) => {
    await emulator.control.setConfig({ basicDisplay: 'before-shutdown' })
    t.after(() => emulator.control.setConfig({ basicDisplay: 'shut-down' }))
    const warnings: string[] = []
    const meta = client('basic-display', warnings)
    assert.ok(warnings.includes('IGW_DEPRECATED_FLAVOR'))
    const short = await meta.exchangeCode(await authorize(meta, '17841400000000301'))
    // Basic Display sends user_id as a JSON number above MAX_SAFE_INTEGER: every digit must survive.
    assert.ok(short.userId !== null && BigInt(short.userId) > BigInt(Number.MAX_SAFE_INTEGER))
    const long = await meta.exchangeForLongLivedToken(short.accessToken)
    await advance(DAY + 60_000)
    const refreshed = await meta.refreshLongLivedToken(long.accessToken, {
      issuedAt: now() - DAY - 60_000,
    })
    const profile = await meta.getProfile(refreshed.accessToken)
    assert.equal(profile.username, 'emu_personal')
    assert.equal(profile.accountType, 'PERSONAL')
    assert.equal(profile.id, short.userId)
  })
})

describe('app roles, development mode and blocked apps', () => {
  const IG_APP = DEMO_APP.instagramAppId
  const BUSINESS = '17841405793187218'

  test('development mode: someone without a role gets "Unsupported request" on every call, until a tester role is accepted', async (t) => {
    const meta = client('instagram-login')
    const short = await meta.exchangeCode(await authorize(meta, BUSINESS))
    await emulator.control.updateApp(IG_APP, {
      mode: 'development',
      roles: [{ userId: BUSINESS, role: 'tester', accepted: false }],
    })
    t.after(() => emulator.control.updateApp(IG_APP, { mode: 'live', roles: [] }))
    await assert.rejects(meta.exchangeForLongLivedToken(short.accessToken), (e: unknown) => {
      assert.ok(e instanceof MetaApiError)
      assert.deepEqual([e.status, e.code, e.type], [400, 100, 'IGApiException'])
      assert.equal(e.action, 'permission')
      assert.match(e.hint ?? '', /Instagram tester/)
      assert.doesNotMatch(e.hint ?? '', /Basic Display/)
      return true
    })
    await emulator.control.updateApp(IG_APP, {
      roles: [{ userId: BUSINESS, role: 'tester', accepted: true }],
    })
    const long = await meta.exchangeForLongLivedToken(short.accessToken)
    assert.equal((await meta.getProfile(long.accessToken)).username, 'emu_business')
  })

  test('a blocked app answers "API access blocked." to a refresh; a deactivated one errors under HTTP 200', async (t) => {
    const meta = client('instagram-login')
    const { access_token: token } = await emulator.control.mintToken({
      appId: IG_APP,
      userId: BUSINESS,
    })
    t.after(() => emulator.control.updateApp(IG_APP, { access: 'active' }))
    await emulator.control.updateApp(IG_APP, { access: 'blocked' })
    await assert.rejects(meta.refreshLongLivedToken(token, { force: true }), (e: unknown) => {
      assert.ok(e instanceof MetaApiError)
      assert.deepEqual([e.code, e.type, e.message], [200, 'OAuthException', 'API access blocked.'])
      assert.equal(e.action, 'permission')
      assert.match(e.hint ?? '', /blocked/)
      return true
    })
    await emulator.control.updateApp(IG_APP, { access: 'deactivated' })
    await assert.rejects(meta.getProfile(token), (e: unknown) => {
      assert.ok(e instanceof MetaApiError)
      assert.equal(e.status, 200)
      assert.equal(e.action, 'permission')
      assert.match(e.message, /^API access deactivated/)
      return true
    })
  })

  test('a wrong Instagram app secret on the long-lived exchange is fix-request with a hint naming both secrets', async () => {
    const meta = client('instagram-login')
    const short = await meta.exchangeCode(await authorize(meta, BUSINESS))
    const wrong = createMetaClient({
      flavor: 'instagram-login',
      appId: DEMO_APP.instagramAppId,
      appSecret: DEMO_APP.metaAppSecret,
      redirectUri: REDIRECT,
      baseUrls: emulatorBaseUrls(emulator.url),
      now,
    })
    await assert.rejects(wrong.exchangeForLongLivedToken(short.accessToken), (e: unknown) => {
      assert.ok(e instanceof MetaApiError)
      assert.deepEqual([e.code, e.message], [1, 'Error validating client secret.'])
      assert.equal(e.action, 'fix-request')
      assert.match(e.hint ?? '', /Instagram app secret/)
      assert.match(e.hint ?? '', /Meta app secret/)
      assert.doesNotMatch(JSON.stringify(e), new RegExp(DEMO_APP.metaAppSecret))
      return true
    })
  })
})
