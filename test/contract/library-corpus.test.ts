// Every response of the corpus, served by a real loopback HTTP server, goes through the library's
// public client; the test asserts what a person would act on: parsed fields, or the action and
// the hint. An entry whose thread did not say the HTTP status is served under 400 and under 200,
// since Meta sends error bodies under both.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import {
  BrokerError,
  MetaApiError,
  createMetaClient,
  emulatorBaseUrls,
  parseUsageHeaders,
  processProfileResponse,
  verifySignedRequest,
} from '../../src/meta/index.js'
import type { ErrorAction, FlavorName, MetaClient } from '../../src/meta/index.js'
import { CORPUS, cannedServer, entry, isErrorBody, wireBody } from './corpus.js'
import type { CannedServer, CorpusEntry } from './corpus.js'

type Call =
  'exchange' | 'long-lived' | 'refresh' | 'profile' | 'inspect' | 'usage-only' | 'signed-request'

interface Expectation {
  readonly flavor: FlavorName
  readonly call: Call
  /** For errors: what to do, and what the hint must say (null: no hint). */
  readonly action?: ErrorAction
  readonly hint?: RegExp | null
  /** For successes, or extra checks on the error. */
  readonly check?: (result: unknown) => void
}

const IG: FlavorName = 'instagram-login'
const BD: FlavorName = 'basic-display'
const FB: FlavorName = 'facebook-login'
const fix = (flavor: FlavorName, call: Call, hint: RegExp | null = null): Expectation => ({
  flavor,
  call,
  action: 'fix-request',
  hint,
})
const act = (flavor: FlavorName, call: Call, action: ErrorAction, hint?: RegExp): Expectation => ({
  flavor,
  call,
  action,
  ...(hint === undefined ? {} : { hint }),
})
const TESTER = /Instagram tester/

/** One row per corpus entry: a new entry fails the completeness test until it is added here. */
const EXPECTED: Readonly<Record<string, Expectation>> = {
  R02: {
    flavor: IG,
    call: 'exchange',
    check: (r) => {
      const t = r as { userId: string; permissions: string[]; accessToken: string }
      assert.equal(t.userId, '1234567890')
      assert.equal(t.accessToken, 'EAACEdEose0...')
      assert.deepEqual(t.permissions, [
        'instagram_business_basic',
        'instagram_business_manage_messages',
        'instagram_business_manage_comments',
        'instagram_business_content_publish',
      ])
    },
  },
  R04: {
    flavor: BD,
    call: 'long-lived',
    check: (r) => {
      expiresIn(r, 5_184_000)
    },
  },
  R06: {
    flavor: FB,
    call: 'long-lived',
    check: (r) => {
      expiresIn(r, 5_180_419)
    },
  },
  R08: act(IG, 'profile', 'reauthorize'),
  R10: act(BD, 'profile', 'reauthorize'),
  R12: act(FB, 'profile', 'reauthorize'),
  R14: fix(FB, 'exchange'),
  R16: fix(IG, 'exchange'),
  R18: fix(BD, 'exchange', /Instagram app id and Instagram app secret/),
  R20: fix(BD, 'exchange'),
  R22: fix(IG, 'exchange'),
  R24: fix(BD, 'exchange'),
  // The dialogs' JSON, as a person pastes it back: read in the same Instagram dialect.
  R26: fix(IG, 'exchange', /misspelled/),
  R28: fix(FB, 'exchange'),
  R30: act(FB, 'profile', 'reauthorize'),
  R32: act(FB, 'profile', 'reauthorize'),
  R34: act(BD, 'refresh', 'permission', /Basic Display .*2024-12-04/),
  R36: act(IG, 'profile', 'permission', TESTER),
  R38: act(FB, 'profile', 'retry-later'),
  R40: act(FB, 'profile', 'retry-later'),
  R42: {
    flavor: FB,
    call: 'usage-only',
    check: (u) => {
      usage(u, [['business-use-case', 1]])
    },
  },
  R44: {
    ...act(FB, 'profile', 'retry-later'),
    check: (e) => {
      usage((e as MetaApiError).usage, [['page', 85]])
    },
  },
  R46: {
    flavor: FB,
    call: 'inspect',
    check: (r) => {
      const t = r as { isValid: boolean; userId: string; expiresAt: number; scopes: string[] }
      assert.equal(t.isValid, true)
      assert.equal(t.userId, '128854997588309')
      assert.equal(t.expiresAt, 1_498_626_000_000)
      assert.ok(t.scopes.includes('pages_show_list'))
    },
  },
  R48: fix(IG, 'exchange', /instagram_business_content_publish\b/),
  R50: act(FB, 'profile', 'permission'),
  R52: fix(FB, 'exchange', /Meta app id/),
  R54: fix(FB, 'profile'),
  R56: fix(FB, 'exchange'),
  R58: fix(IG, 'long-lived', /not about the person's token/),
  R60: {
    flavor: IG,
    call: 'profile',
    check: (r) => {
      const p = r as { id: string; username: string; accountType: string; fields: object }
      assert.equal(p.id, '27281358591558845')
      assert.equal(p.username, 'the_kharagpur_wala_')
      assert.equal(p.accountType, 'MEDIA_CREATOR')
      assert.equal((p.fields as { followers_count: number }).followers_count, 23353)
    },
  },
  R62: act(IG, 'long-lived', 'permission', TESTER),
  R64: act(IG, 'long-lived', 'permission', TESTER),
  R66: act(IG, 'refresh', 'permission', /blocked/),
  R68: act(IG, 'profile', 'reauthorize'),
  R70: fix(IG, 'profile'),
  R72: fix(FB, 'exchange'),
  R74: act(FB, 'profile', 'permission', /no longer an admin of the Page/),
  R76: act(FB, 'profile', 'permission'),
  R78: act(FB, 'profile', 'permission'),
  R80: {
    ...act(FB, 'profile', 'permission'),
    check: (e) => {
      assert.equal((e as MetaApiError).userTitle, 'New Pages Experience Is Not Supported')
    },
  },
  R82: fix(FB, 'inspect'),
  R84: act(FB, 'profile', 'reauthorize'),
  R86: {
    flavor: FB,
    call: 'usage-only',
    check: (u) => {
      usage(u, [
        ['app', 10],
        ['ad-account', 36.33],
      ])
    },
  },
  R88: {
    flavor: FB,
    call: 'usage-only',
    check: (u) => {
      usage(u, [['business-use-case', 1]])
    },
  },
  R90: act(FB, 'profile', 'reauthorize'),
  R92: fix(FB, 'exchange'),
  R94: { flavor: FB, call: 'signed-request' },
}

function expiresIn(result: unknown, seconds: number): void {
  assert.equal((result as { expiresIn: number }).expiresIn, seconds)
}

function usage(reading: unknown, expected: [string, number][]): void {
  const r = reading as { entries: { source: string; callCount: number }[] } | null
  assert.ok(r !== null, 'no usage reading')
  for (const [source, callCount] of expected) {
    assert.ok(
      r.entries.some((e) => e.source === source && e.callCount === callCount),
      `${source} ${callCount} in ${JSON.stringify(r.entries)}`,
    )
  }
}

let server: CannedServer
before(async () => {
  server = await cannedServer()
})
after(async () => {
  await server.close()
})

const SECRET = 'contract-app-secret'
const TOKENS: Record<FlavorName, string> = {
  'instagram-login': 'IGAAcontracttokenxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'basic-display': 'IGQWRcontracttokenxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'facebook-login': 'EAAcontracttokenxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
}

function client(flavor: FlavorName): MetaClient {
  return createMetaClient({
    flavor,
    appId: '1234567890',
    appSecret: SECRET,
    redirectUri: 'https://app.example/callback',
    baseUrls: emulatorBaseUrls(server.url),
    retries: 2,
    onWarning: () => {},
  })
}

async function run(flavor: FlavorName, call: Call): Promise<unknown> {
  const meta = client(flavor)
  const token = TOKENS[flavor]
  switch (call) {
    case 'exchange':
      return meta.exchangeCode('AQBcontractcode#_')
    case 'long-lived':
      return meta.exchangeForLongLivedToken(token)
    case 'refresh':
      return meta.refreshLongLivedToken(token, { force: true })
    case 'profile':
      return meta.getProfile(token, flavor === FB ? { igUserId: '17841405822304914' } : {})
    case 'inspect':
      return meta.inspectToken(token)
    default:
      throw new Error(`no client call for ${call}`)
  }
}

function statuses(e: CorpusEntry): number[] {
  if (e.status !== null) return [e.status]
  return isErrorBody(e) ? [400, 200] : [200]
}

test('every corpus entry has an expectation, and no expectation is stale', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), CORPUS.map((e) => e.id).sort())
})

describe('the library reads every real response as a person would act on it', () => {
  for (const e of CORPUS) {
    const want = EXPECTED[e.id]
    if (want === undefined || want.call === 'usage-only' || want.call === 'signed-request') continue
    for (const status of statuses(e)) {
      test(`${e.id} (${e.situation.slice(0, 70)}) under HTTP ${status}`, async () => {
        server.answer(status, e.headers ?? {}, wireBody(e))
        if (want.action === undefined) {
          want.check?.(await run(want.flavor, want.call))
          return
        }
        await assert.rejects(run(want.flavor, want.call), (err: unknown) => {
          assert.ok(err instanceof MetaApiError, String(err))
          assert.equal(err.action, want.action)
          if (want.hint === null) assert.equal(err.hint, null)
          else if (want.hint !== undefined) assert.match(err.hint ?? '', want.hint)
          // Nothing we sent comes back in what we hand out.
          const shown = JSON.stringify([Object.entries(err), err.message, err.cause])
          assert.doesNotMatch(shown, new RegExp(`${TOKENS[want.flavor]}|${SECRET}|AQBcontract`))
          want.check?.(err)
          return true
        })
        // A non-transient error under a 5xx (R70, R76) is not retried.
        const attempts = server.requests.length
        if (want.action === 'retry-later' && status >= 500) assert.ok(attempts > 1)
        else assert.equal(attempts, 1)
      })
    }
  }
})

describe('entries the client has no call for', () => {
  test('R42, R86, R88: usage headers of calls igtoken does not make are read in every spelling', async () => {
    for (const id of ['R42', 'R86', 'R88']) {
      const e = entry(id)
      EXPECTED[id]!.check?.(parseUsageHeaders(e.headers ?? {}))
      // Through the client the success body is not a profile: a contract error, never a MetaApiError.
      server.answer(200, e.headers ?? {}, wireBody(e) || '{}')
      await assert.rejects(run(FB, 'profile'), (err: unknown) => {
        assert.ok(err instanceof BrokerError)
        assert.equal(err.code, 'IGB_INVALID_RESPONSE')
        return true
      })
    }
  })

  test('R68: a tokenless call refused with 190 is the caller forgetting the token', async () => {
    const e = entry('R68')
    const response = new Response(wireBody(e), { status: 400 })
    await assert.rejects(
      processProfileResponse(response, {
        now: Date.now,
        secrets: [],
        method: 'GET',
        url: 'https://graph.instagram.com/me',
        sentToken: 'none',
      }),
      (err: unknown) => {
        assert.ok(err instanceof MetaApiError)
        assert.equal(err.action, 'fix-request')
        assert.match(err.hint ?? '', /No access token reached Meta/)
        return true
      },
    )
  })

  test("R94: the documented deletion payload verifies, in Meta's padded and standard base64 too", () => {
    const payload = JSON.stringify(JSON.parse(entry('R94').body))
    const encoded = Buffer.from(payload).toString('base64url')
    const sig = createHmac('sha256', SECRET).update(encoded).digest()
    for (const signature of [sig.toString('base64url'), sig.toString('base64')]) {
      const verified = verifySignedRequest(`${signature}.${encoded}`, SECRET)
      assert.equal(verified.user_id, '218471')
      assert.equal(verified.expires, 1291840400)
    }
    // A forgery is still refused, whatever the alphabet.
    const forged = createHmac('sha256', 'not-the-secret').update(encoded).digest('base64')
    assert.throws(() => verifySignedRequest(`${forged}.${encoded}`, SECRET), {
      code: 'IGB_SIGNED_REQUEST_BAD_SIGNATURE',
    })
  })
})
