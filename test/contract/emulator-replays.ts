// The corpus situations as the emulator replays them: the same endpoint and the same mistake
// as the developer who pasted Meta's answer, and the aspects in which the emulator deliberately
// answers differently (each listed with its reason in docs/emulator.md).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEMO_APP } from '../../src/emulator/index.js'
import type { EmulatorApp, EmulatorConfig, RunningEmulator } from '../../src/emulator/index.js'

const IG_ID = DEMO_APP.instagramAppId
const IG_SECRET = DEMO_APP.instagramAppSecret
const META_ID = DEMO_APP.metaAppId
const META_SECRET = DEMO_APP.metaAppSecret
const REDIRECT = DEMO_APP.redirectUris[0]!
const BUSINESS = '17841405793187218'
const PERSONAL = '17841400000000301'
const FB_USER = '10150000000000001'
const PAGE = '134895793791914'
const HOUR = 3_600_000

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** Aspects in which the emulator deliberately differs from one entry. */
export type Difference =
  'status' | 'subcode' | 'message' | 'extra-keys' | 'headers' | `type:${string}`

export interface Replay {
  readonly config?: EmulatorConfig
  readonly app?: Partial<EmulatorApp>
  readonly differs?: readonly Difference[]
  run(emu: RunningEmulator): Promise<Answer>
}

async function call(url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

const get = (emu: RunningEmulator, hostPath: string, query: Record<string, string> = {}) =>
  call(
    `${emu.url}/${hostPath}${Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : ''}`,
  )

const igExchange = (emu: RunningEmulator, fields: Record<string, string>) =>
  call(`${emu.url}/api.instagram.com/oauth/access_token`, {
    method: 'POST',
    body: new URLSearchParams(fields),
  })

async function igCode(emu: RunningEmulator): Promise<string> {
  return (await emu.control.mintCodes({ appId: IG_ID, userId: BUSINESS })).codes[0]!
}

async function fbCode(emu: RunningEmulator): Promise<string> {
  return (
    await emu.control.mintCodes({ appId: META_ID, userId: FB_USER, flavor: 'facebook-login' })
  ).codes[0]!
}

const igFields = (code: string, over: Record<string, string> = {}) => ({
  client_id: IG_ID,
  client_secret: IG_SECRET,
  grant_type: 'authorization_code',
  redirect_uri: REDIRECT,
  code,
  ...over,
})

const fbExchange = (emu: RunningEmulator, q: Record<string, string>) =>
  get(emu, 'graph.facebook.com/v25.0/oauth/access_token', {
    client_id: META_ID,
    client_secret: META_SECRET,
    redirect_uri: REDIRECT,
    ...q,
  })

async function token(
  emu: RunningEmulator,
  flavor: 'instagram-login' | 'facebook-login' | 'basic-display',
  kind: 'short' | 'long' | 'page' = 'long',
): Promise<string> {
  const userId =
    flavor === 'facebook-login' ? FB_USER : flavor === 'basic-display' ? PERSONAL : BUSINESS
  return (
    await emu.control.mintToken({
      appId: IG_ID,
      userId,
      flavor,
      kind,
      ...(kind === 'page' ? { pageId: PAGE } : {}),
    })
  ).access_token
}

const dialog = (emu: RunningEmulator, host: string, params: Record<string, string>) =>
  get(emu, `${host}/oauth/authorize`, {
    client_id: IG_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    ...params,
  })

const NO_ROLE: Partial<EmulatorApp> = { mode: 'development', roles: [] }

export const REPLAYS: Readonly<Record<string, Replay>> = {
  R02: {
    // restfb's fixture keeps the id a string; live Meta (and the issue) send a JSON number.
    differs: ['type:user_id'],
    run: async (emu) => igExchange(emu, igFields(await igCode(emu))),
  },
  R04: {
    config: { basicDisplay: 'before-shutdown' },
    run: async (emu) =>
      get(emu, 'graph.instagram.com/access_token', {
        grant_type: 'ig_exchange_token',
        client_secret: IG_SECRET,
        access_token: await token(emu, 'basic-display', 'short'),
      }),
  },
  R06: {
    run: async (emu) =>
      fbExchange(emu, {
        grant_type: 'fb_exchange_token',
        fb_exchange_token: await token(emu, 'facebook-login', 'short'),
      }),
  },
  R08: {
    run: async (emu) => {
      const short = await token(emu, 'instagram-login', 'short')
      await emu.control.advanceClock(2 * HOUR)
      return get(emu, 'graph.instagram.com/me', { fields: 'user_id,username', access_token: short })
    },
  },
  R10: {
    config: { basicDisplay: 'before-shutdown' },
    differs: ['subcode'],
    run: async (emu) => {
      const long = await token(emu, 'basic-display')
      await emu.control.advanceClock(61 * 24 * HOUR)
      return get(emu, 'graph.instagram.com/me/media', { access_token: long })
    },
  },
  R12: { run: (emu) => get(emu, 'graph.facebook.com/v22.0/me', { access_token: 'junk' }) },
  R14: {
    differs: ['subcode'],
    run: async (emu) => {
      const code = await fbCode(emu)
      await fbExchange(emu, { code })
      return fbExchange(emu, { code })
    },
  },
  R16: {
    run: async (emu) => {
      const code = await igCode(emu)
      await igExchange(emu, igFields(code))
      return igExchange(emu, igFields(code))
    },
  },
  R18: { run: async (emu) => igExchange(emu, igFields(await igCode(emu), { client_id: META_ID })) },
  R20: {
    run: (emu) =>
      dialog(emu, 'api.instagram.com', {
        scope: 'instagram_business_basic',
        redirect_uri: 'https://example.com/callback',
      }),
  },
  R22: {
    differs: ['message'],
    run: async (emu) =>
      igExchange(emu, igFields(await igCode(emu), { redirect_uri: DEMO_APP.redirectUris[1]! })),
  },
  R24: {
    run: async (emu) =>
      call(`${emu.url}/api.instagram.com/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(igFields(await igCode(emu))),
      }),
  },
  R26: {
    differs: ['message'],
    run: (emu) => dialog(emu, 'api.instagram.com', { scope: 'public_content' }),
  },
  R28: {
    differs: ['subcode'],
    run: async (emu) =>
      fbExchange(emu, { code: await fbCode(emu), redirect_uri: DEMO_APP.redirectUris[1]! }),
  },
  R30: {
    run: async (emu) => {
      const fb = await token(emu, 'facebook-login')
      await emu.control.revoke({ userId: FB_USER, appId: META_ID })
      return get(emu, 'graph.facebook.com/v25.0/me', { access_token: fb })
    },
  },
  R32: {
    run: async (emu) => {
      const fb = await token(emu, 'facebook-login')
      await emu.control.changePassword({ userId: FB_USER })
      return get(emu, 'graph.facebook.com/v25.0/me', { access_token: fb })
    },
  },
  R34: {
    run: async (emu) =>
      get(emu, 'graph.instagram.com/refresh_access_token', {
        grant_type: 'ig_refresh_token',
        access_token: await token(emu, 'basic-display'),
      }),
  },
  R36: {
    app: NO_ROLE,
    run: async (emu) =>
      get(emu, 'graph.instagram.com/me', { access_token: await token(emu, 'instagram-login') }),
  },
  R38: {
    run: async (emu) => {
      const fb = await token(emu, 'facebook-login')
      await emu.control.setLimits({ appCalls: 1 })
      await get(emu, 'graph.facebook.com/v25.0/me', { access_token: fb })
      return get(emu, 'graph.facebook.com/v25.0/me', { access_token: fb })
    },
  },
  R40: {
    // The entry was rebuilt from a message, code and type; the emulator adds is_transient.
    differs: ['extra-keys'],
    run: (emu) => pageThrottle(emu),
  },
  R44: {
    differs: ['extra-keys', 'headers'],
    run: (emu) => pageThrottle(emu),
  },
  R46: {
    differs: ['extra-keys'],
    run: async (emu) =>
      get(emu, 'graph.facebook.com/v25.0/debug_token', {
        input_token: await token(emu, 'facebook-login'),
        access_token: `${META_ID}|${META_SECRET}`,
      }),
  },
  R48: {
    run: (emu) =>
      dialog(emu, 'www.instagram.com', {
        scope: 'instagram_business_basic,instagram_business_content_publishing',
      }),
  },
  R52: { run: async (emu) => fbExchange(emu, { client_id: '999', code: await fbCode(emu) }) },
  R54: {
    run: async (emu) =>
      get(emu, 'graph.facebook.com/v25.0/99999999999', {
        access_token: await token(emu, 'facebook-login'),
      }),
  },
  R56: {
    // A 2010 answer, before Graph errors carried a code; the emulator sends code 100.
    differs: ['extra-keys'],
    run: (emu) => fbExchange(emu, { code: 'not-a-code' }),
  },
  R58: {
    run: async (emu) =>
      get(emu, 'graph.facebook.com/v21.0/oauth/access_token', {
        grant_type: 'fb_exchange_token',
        client_id: IG_ID,
        client_secret: 'made-up',
        fb_exchange_token: await token(emu, 'instagram-login', 'short'),
      }),
  },
  R60: {
    run: async (emu) => {
      // The pasted account had no website: the emulator leaves empty fields out, as Graph does.
      await emu.control.addUser({
        kind: 'instagram',
        id: '17841400000000060',
        username: 'the_kharagpur_wala_',
        accountType: 'MEDIA_CREATOR',
        biography: 'Blogger',
      })
      const t = (await emu.control.mintToken({ appId: IG_ID, userId: '17841400000000060' }))
        .access_token
      return get(emu, 'graph.instagram.com/v25.0/me', {
        fields:
          'id,username,name,biography,profile_picture_url,followers_count,follows_count,media_count,website,account_type',
        access_token: t,
      })
    },
  },
  R62: {
    app: NO_ROLE,
    run: async (emu) =>
      get(emu, 'graph.instagram.com/access_token', {
        grant_type: 'ig_exchange_token',
        client_secret: IG_SECRET,
        access_token: await token(emu, 'instagram-login', 'short'),
      }),
  },
  R64: {
    app: NO_ROLE,
    run: async (emu) =>
      get(emu, 'graph.instagram.com/access_token', {
        grant_type: 'ig_exchange_token',
        client_secret: IG_SECRET,
        access_token: await token(emu, 'instagram-login', 'short'),
      }),
  },
  R66: {
    app: { access: 'blocked' },
    run: async (emu) =>
      get(emu, 'graph.instagram.com/refresh_access_token', {
        grant_type: 'ig_refresh_token',
        access_token: await token(emu, 'instagram-login'),
      }),
  },
  R68: { run: (emu) => get(emu, 'graph.instagram.com/me') },
  R70: {
    differs: ['status'],
    run: async (emu) =>
      call(
        `${emu.url}/graph.instagram.com/v21.0/v21.0/me/messages?access_token=${await token(emu, 'instagram-login')}`,
        { method: 'POST' },
      ),
  },
  R72: {
    run: async (emu) => {
      const code = await fbCode(emu)
      await emu.control.advanceClock(2 * HOUR)
      return fbExchange(emu, { code })
    },
  },
  R82: {
    run: async (emu) => {
      const fb = await token(emu, 'facebook-login')
      return get(emu, 'graph.facebook.com/v25.0/debug_token', { input_token: fb, access_token: fb })
    },
  },
  R84: {
    run: (emu) => get(emu, 'graph.facebook.com/v25.0/me', { access_token: 'EAAgarbledtoken' }),
  },
  R94: { run: (emu) => deletionPayload(emu) },
}

/** Corpus entries the emulator has no endpoint or control for; each is in docs/emulator.md. */
export const NOT_REPLAYED = ['R42', 'R50', 'R74', 'R76', 'R78', 'R80', 'R86', 'R88', 'R90', 'R92']

async function pageThrottle(emu: RunningEmulator): Promise<Answer> {
  const page = await token(emu, 'facebook-login', 'page')
  await emu.control.setLimits({ userCalls: 1 })
  await get(emu, 'graph.facebook.com/v25.0/me', { access_token: page })
  return get(emu, 'graph.facebook.com/v25.0/me', { access_token: page })
}

/** The decoded payload of the data-deletion POST the emulator sends, as an answer body. */
async function deletionPayload(emu: RunningEmulator): Promise<Answer> {
  let signed = ''
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      signed = new URLSearchParams(body).get('signed_request') ?? ''
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"url":"https://app.example/deletion?id=1","confirmation_code":"1"}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = receiver.address() as AddressInfo
    await emu.control.updateApp(IG_ID, { dataDeletionUrl: `http://127.0.0.1:${port}/deletion` })
    await token(emu, 'instagram-login')
    await emu.control.deleteData({ userId: BUSINESS, appId: IG_ID })
    const payload = Buffer.from(signed.split('.')[1] ?? '', 'base64url').toString()
    return { status: 200, headers: new Headers(), text: payload }
  } finally {
    await new Promise<void>((resolve) =>
      receiver.close(() => {
        resolve()
      }),
    )
  }
}
