// OAuth clients nobody here wrote, configured as their users configure them, complete their flows
// against the emulator on its default settings. Their hosts are pointed at the emulator only
// through each client's documented options. (Dev dependencies, CommonJS.)
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { AuthorizationCode } from 'simple-oauth2'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { answerConsent } from '../helpers/consent.js'

const require = createRequire(import.meta.url)
const BUSINESS = '17841405793187218'
const FB_USER = '10150000000000001'
const DAY = 86_400_000

// The few members of the CommonJS clients this test touches.
type Done = (err: unknown, user?: unknown) => void
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void
interface PassportLike {
  use(name: string, strategy: unknown): void
  initialize(): Middleware
  authenticate(
    name: string,
    options: object,
    callback?: (err: unknown, user: unknown) => void,
  ): Middleware
}
type StrategyClass = new (options: object, verify: (...args: unknown[]) => void) => unknown
interface GraphError {
  code?: number
  error_subcode?: number
  message?: string
}
interface FbGraph {
  setGraphUrl(url: string): void
  setVersion(version: string): void
  setAppSecret(secret: string): void
  setAccessToken(token: string): void
  getOauthUrl(params: object): string
  authorize(
    params: object,
    cb: (err: GraphError | null, res: Record<string, unknown>) => void,
  ): void
  extendAccessToken(
    params: object,
    cb: (err: GraphError | null, res: Record<string, unknown>) => void,
  ): void
  get(path: string, cb: (err: GraphError | null, res: Record<string, unknown>) => void): void
}

let emu: RunningEmulator
let site: { url: string; close: () => Promise<void>; handle: (h: Handler) => void }
type Handler = (
  req: IncomingMessage & { query: Record<string, string> },
  res: ServerResponse,
) => void

before(async () => {
  site = await startSite()
  emu = await startEmulator({
    port: 0,
    apps: [{ ...DEMO_APP, redirectUris: [`${site.url}/callback`], requireAppSecretProof: true }],
  })
})
after(async () => {
  await emu.close()
  await site.close()
})

/** The application under test: a plain node:http server whose handler each test sets. */
async function startSite(): Promise<typeof site> {
  let handler: Handler = (_req, res) => res.end()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    handler(Object.assign(req, { query: Object.fromEntries(url.searchParams) }), res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    handle: (h) => (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** Runs a passport strategy the way an Express app mounts it: /login redirects, /callback ends. */
async function passportFlow(
  strategyName: string,
  strategy: unknown,
  userId: string,
): Promise<unknown> {
  const { Passport } = require('passport') as { Passport: new () => PassportLike }
  const passport = new Passport()
  passport.use(strategyName, strategy)
  const init = passport.initialize()
  let resolveUser: (user: unknown) => void = () => {}
  let rejectUser: (err: unknown) => void = () => {}
  const outcome = new Promise<unknown>((resolve, reject) => {
    resolveUser = resolve
    rejectUser = reject
  })
  site.handle((req, res) => {
    init(req, res, () => {
      const callback = (err: unknown, user: unknown) => {
        res.end()
        if (err || !user) rejectUser(err ?? new Error('no user'))
        else resolveUser(user)
      }
      passport.authenticate(strategyName, { session: false }, callback)(req, res, (err) => {
        rejectUser(err)
      })
    })
  })
  const login = await fetch(`${site.url}/login`, { redirect: 'manual' })
  assert.equal(login.status, 302)
  const dialog = login.headers.get('location') ?? ''
  assert.ok(dialog.startsWith(emu.url), dialog)
  const back = await answerConsent(dialog, 'allow', { userId })
  assert.ok(back.startsWith(`${site.url}/callback?code=`), back)
  await fetch(back)
  return outcome
}

describe('simple-oauth2 (Instagram Login)', () => {
  function configured(): AuthorizationCode {
    return new AuthorizationCode({
      client: { id: DEMO_APP.instagramAppId, secret: DEMO_APP.instagramAppSecret },
      // Documented options: host and paths; the emulator serves each Meta host under /<host>.
      auth: {
        tokenHost: emu.url,
        tokenPath: '/api.instagram.com/oauth/access_token',
        authorizePath: '/www.instagram.com/oauth/authorize',
      },
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
    })
  }

  test('authorizeURL → consent → getToken gives the access token and the permissions array', async () => {
    const oauth = configured()
    const redirectUri = `${site.url}/callback`
    const url = oauth.authorizeURL({
      redirect_uri: redirectUri,
      scope: 'instagram_business_basic,instagram_business_manage_comments',
      state: 'st-1',
    })
    const back = new URL(await answerConsent(url, 'allow', { userId: BUSINESS }))
    assert.equal(back.searchParams.get('state'), 'st-1')
    const code = back.searchParams.get('code') ?? ''
    const token = await oauth.getToken({ code, redirect_uri: redirectUri })
    assert.match(String(token.token['access_token']), /^IGAA/)
    assert.deepEqual(token.token['permissions'], [
      'instagram_business_basic',
      'instagram_business_manage_comments',
    ])
    // JSON.parse inside the client loses the last digits of the 17-digit id, as it does live.
    assert.equal(typeof token.token['user_id'], 'number')
  })

  test('on the documented wrapped shape the same client gets no access token', async (t) => {
    await emu.control.setConfig({ instagramExchangeShape: 'wrapped' })
    t.after(() => emu.control.setConfig({ instagramExchangeShape: 'flat' }))
    const { codes, redirectUri } = await emu.control.mintCodes({
      appId: DEMO_APP.instagramAppId,
      userId: BUSINESS,
    })
    const token = await configured().getToken({ code: codes[0]!, redirect_uri: redirectUri })
    assert.equal(token.token['access_token'], undefined)
  })
})

describe('passport-instagram with skipUserProfile (Instagram Login)', () => {
  test('login → consent → callback hands the verify function a token and the permissions', async () => {
    const { Strategy } = require('passport-instagram') as { Strategy: StrategyClass }
    const strategy = new Strategy(
      {
        clientID: DEMO_APP.instagramAppId,
        clientSecret: DEMO_APP.instagramAppSecret,
        callbackURL: `${site.url}/callback`,
        authorizationURL: `${emu.url}/www.instagram.com/oauth/authorize`,
        tokenURL: `${emu.url}/api.instagram.com/oauth/access_token`,
        scope: ['instagram_business_basic'],
        skipUserProfile: true,
      },
      (
        accessToken: unknown,
        _refresh: unknown,
        params: unknown,
        _profile: unknown,
        done: unknown,
      ) => {
        ;(done as Done)(null, { accessToken, params })
      },
    )
    const user = (await passportFlow('instagram', strategy, BUSINESS)) as {
      accessToken: string
      params: { permissions: string[] }
    }
    assert.match(user.accessToken, /^IGAA/)
    assert.deepEqual(user.params.permissions, ['instagram_business_basic'])
  })
})

describe('passport-facebook with enableProof', () => {
  test('login → consent → callback → profile read with appsecret_proof on an app that requires it', async () => {
    const { Strategy } = require('passport-facebook') as { Strategy: StrategyClass }
    const version = 'v25.0'
    const strategy = new Strategy(
      {
        clientID: DEMO_APP.metaAppId,
        clientSecret: DEMO_APP.metaAppSecret,
        callbackURL: `${site.url}/callback`,
        graphAPIVersion: version,
        authorizationURL: `${emu.url}/www.facebook.com/${version}/dialog/oauth`,
        tokenURL: `${emu.url}/graph.facebook.com/${version}/oauth/access_token`,
        profileURL: `${emu.url}/graph.facebook.com/${version}/me`,
        scope: ['instagram_basic', 'pages_show_list'],
        enableProof: true,
      },
      (accessToken: unknown, _refresh: unknown, profile: unknown, done: unknown) => {
        ;(done as Done)(null, { accessToken, profile })
      },
    )
    const user = (await passportFlow('facebook', strategy, FB_USER)) as {
      accessToken: string
      profile: { id: string; displayName: string; provider: string }
    }
    assert.match(user.accessToken, /^EAA/)
    assert.equal(user.profile.provider, 'facebook')
    assert.equal(user.profile.displayName, 'Emulator Facebook User')
    assert.match(user.profile.id, /^1\d{16}$/)
    const reads = await emu.control.requests({ endpoint: 'fb.me', status: 200 })
    assert.ok(reads.length > 0, 'the profile read passed the appsecret_proof check')
  })
})

describe('fbgraph', () => {
  const graph = require('fbgraph') as FbGraph
  const call = <T>(fn: (cb: (err: GraphError | null, res: T) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      fn((err, res) => {
        if (err) reject(Object.assign(new Error(err.message ?? 'graph error'), err))
        else resolve(res)
      })
    })

  test('authorize, appsecret_proof, fb_exchange_token, and an expired token after 61 days', async () => {
    // setGraphUrl and setVersion are fbgraph's documented options; its dialog URL has no option
    // (always www.facebook.com), so the person's consent goes to the emulator's dialog directly.
    graph.setGraphUrl(`${emu.url}/graph.facebook.com`)
    graph.setVersion('25.0')
    graph.setAppSecret(DEMO_APP.metaAppSecret)
    assert.ok(graph.getOauthUrl({ client_id: 'x' }).startsWith('https://www.facebook.com/v25.0/'))
    const redirectUri = `${site.url}/callback`
    const dialog = `${emu.url}/www.facebook.com/v25.0/dialog/oauth?${new URLSearchParams({
      client_id: DEMO_APP.metaAppId,
      redirect_uri: redirectUri,
      scope: 'instagram_basic,pages_show_list',
    }).toString()}`
    const code = new URL(
      await answerConsent(dialog, 'allow', { userId: FB_USER }),
    ).searchParams.get('code')
    const short = await call<Record<string, unknown>>((cb) => {
      graph.authorize(
        {
          client_id: DEMO_APP.metaAppId,
          redirect_uri: redirectUri,
          client_secret: DEMO_APP.metaAppSecret,
          code,
        },
        cb,
      )
    })
    assert.match(String(short['access_token']), /^EAA/)
    const long = await call<Record<string, unknown>>((cb) => {
      graph.extendAccessToken(
        { client_id: DEMO_APP.metaAppId, client_secret: DEMO_APP.metaAppSecret },
        cb,
      )
    })
    assert.equal(long['token_type'], 'bearer')
    graph.setAccessToken(String(long['access_token']))
    // The app requires appsecret_proof: fbgraph adds it to every call.
    const me = await call<Record<string, unknown>>((cb) => {
      graph.get('/me', cb)
    })
    assert.equal(me['name'], 'Emulator Facebook User')
    await emu.control.advanceClock(61 * DAY)
    await assert.rejects(
      call((cb) => {
        graph.get('/me', cb)
      }),
      (err: GraphError) => {
        assert.equal(err.code, 190)
        assert.equal(err.error_subcode, 463)
        return true
      },
    )
  })
})
