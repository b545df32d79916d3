import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'

import {
  BrokerError,
  IGB_INVALID_RESPONSE,
  IGB_NETWORK,
  IGB_NO_INSTAGRAM_ACCOUNT,
  IGB_REFRESH_TOO_EARLY,
  IGB_REFRESH_UNSUPPORTED,
  IGB_TIMEOUT,
  IGB_TOKEN_EXPIRED,
  IGB_UNSUPPORTED_BY_FLAVOR,
  MetaApiError,
  computeAppSecretProof,
  createMetaClient,
  emulatorBaseUrls,
  errorAction,
} from '../../src/index.js'
import type { FlavorName, MetaClientOptions } from '../../src/index.js'
import type { FakeMeta } from './fake-meta-server.js'
import { startFakeMeta } from './fake-meta-server.js'

const NOW = 1_760_000_000_000
const HOUR = 3_600_000
const APP_ID = '990000000000001'
const SECRET = 'app-secret-5f4dcc3b5aa765d61d8327deb882cf99'
const CODE = 'AQBx-hBsH3-authcode-value'
const TOKEN = 'IGAAtoken-value-0123456789'
const REDIRECT = 'https://app.example/callback'

let meta: FakeMeta
before(async () => {
  meta = await startFakeMeta()
})
after(async () => {
  await meta.close()
})

function client(flavor: FlavorName = 'instagram-login', extra: Partial<MetaClientOptions> = {}) {
  return createMetaClient({
    flavor,
    appId: APP_ID,
    appSecret: SECRET,
    redirectUri: REDIRECT,
    baseUrls: emulatorBaseUrls(meta.url),
    now: () => NOW,
    timeoutMs: 2_000,
    onWarning: () => undefined,
    ...extra,
  })
}

/** Asserts nothing secret shows in the error's message or enumerable properties. */
function assertClean(err: unknown): void {
  assert.ok(err instanceof Error)
  const texts = [err.message, JSON.stringify(err), String(err.stack)]
  if (err instanceof MetaApiError || err instanceof BrokerError)
    texts.push(JSON.stringify(err.cause ?? null))
  for (const text of texts) {
    for (const secret of [SECRET, CODE, TOKEN])
      assert.ok(!text.includes(secret), `leaked in: ${text}`)
  }
}

const ig = (path: string): string => `/graph.instagram.com${path}`
const fb = (path: string): string => `/graph.facebook.com/v25.0${path}`

describe('code exchange', () => {
  const path = '/api.instagram.com/oauth/access_token'

  test('is NOT retried on 5xx, and the error is clean', async () => {
    meta.route('POST', path, { status: 503, json: { error: { message: `boom ${CODE}`, code: 2 } } })
    const before = meta.count('POST', path)
    const err = await client()
      .exchangeCode(CODE)
      .catch((e: unknown) => e)
    assert.ok(err instanceof MetaApiError)
    assert.equal(err.status, 503)
    assert.equal(err.action, 'retry-later')
    assert.equal(meta.count('POST', path) - before, 1)
    assertClean(err)
    assert.match(err.message, /boom \[redacted\]/)
  })

  test('reused code: Instagram OAuth shape → fix-request, secrets scrubbed', async () => {
    meta.route('POST', path, {
      status: 400,
      json: {
        error_type: 'OAuthException',
        code: 400,
        error_message: 'Matching code was not found or was already used',
      },
    })
    const err = await client()
      .exchangeCode(CODE)
      .catch((e: unknown) => e)
    assert.ok(err instanceof MetaApiError)
    assert.equal(err.action, 'fix-request')
    assert.equal(err.url, 'http://' + new URL(meta.url).host + path)
    assertClean(err)
  })

  test('sends a form POST with every parameter and strips a pasted #_', async () => {
    meta.route('POST', path, {
      json: {
        data: [
          {
            access_token: TOKEN,
            user_id: '17841405793187218',
            permissions: 'instagram_business_basic',
          },
        ],
      },
    })
    const token = await client().exchangeCode(`${CODE}#_`)
    assert.deepEqual(token, {
      accessToken: TOKEN,
      userId: '17841405793187218',
      permissions: ['instagram_business_basic'],
      expiresAt: NOW + HOUR,
    })
    const req = meta.seen.at(-1)!
    assert.match(req.contentType ?? '', /application\/x-www-form-urlencoded/)
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
      client_id: APP_ID,
      client_secret: SECRET,
      redirect_uri: REDIRECT,
      code: CODE,
      grant_type: 'authorization_code',
    })
  })

  test('flat body with a huge JSON-number user_id', async () => {
    meta.route('POST', path, {
      text: `{"access_token":"${TOKEN}","user_id":17841405793187218}`,
      headers: { 'content-type': 'application/json' },
    })
    const token = await client('basic-display').exchangeCode(CODE)
    assert.equal(token.userId, '17841405793187218')
  })

  test('Facebook: GET on graph.facebook.com with the code in the query', async () => {
    meta.route('GET', fb('/oauth/access_token'), (req) =>
      req.query.get('code') === CODE && !req.query.has('grant_type')
        ? { json: { access_token: 'EAAshort', token_type: 'bearer', expires_in: 5400 } }
        : {
            status: 400,
            json: {
              error: {
                message: 'Error validating verification code',
                code: 100,
                error_subcode: 36008,
              },
            },
          },
    )
    const token = await client('facebook-login').exchangeCode(CODE)
    assert.deepEqual(token, {
      accessToken: 'EAAshort',
      userId: null,
      permissions: [],
      expiresAt: NOW + 5400_000,
    })
  })

  test('caller misuse: empty code', async () => {
    await assert.rejects(client().exchangeCode(''), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    })
    await assert.rejects(client().exchangeCode('#_'), { code: 'ERR_INVALID_ARG_VALUE' })
  })
})

describe('transport failures', () => {
  test('a GET read IS retried on 5xx and then succeeds', async () => {
    const path = ig('/v25.0/me')
    meta.route('GET', path, (_req, n) =>
      n <= 2
        ? { status: 500, text: '<html>500</html>', headers: { 'content-type': 'text/html' } }
        : { json: { id: '1', user_id: '17841400000000001', username: 'shop' } },
    )
    const profile = await client().getProfile(TOKEN)
    assert.equal(profile.username, 'shop')
    assert.equal(meta.count('GET', path), 3)
  })

  test('retries stop after the configured count', async () => {
    const path = ig('/v25.0/me/media')
    meta.route('GET', path, { status: 502, json: { error: { message: 'bad gateway', code: 1 } } })
    const before = meta.count('GET', path)
    await assert.rejects(client('instagram-login', { retries: 1 }).listMedia(TOKEN), MetaApiError)
    assert.equal(meta.count('GET', path) - before, 2)
  })

  test('a 4xx read is not retried', async () => {
    const path = ig('/v25.0/me')
    meta.route('GET', path, {
      status: 400,
      json: { error: { message: 'expired', code: 190, error_subcode: 463 } },
    })
    const before = meta.count('GET', path)
    await assert.rejects(client().getProfile(TOKEN), {
      name: 'MetaApiError',
      action: 'reauthorize',
    })
    assert.equal(meta.count('GET', path) - before, 1)
  })

  test('timeout → IGB_TIMEOUT, retry-later, clean', async () => {
    meta.route('GET', ig('/refresh_access_token'), { hang: true })
    const err = await client('instagram-login', { timeoutMs: 150, retries: 0 })
      .refreshLongLivedToken(TOKEN, { force: true })
      .catch((e: unknown) => e)
    assert.ok(err instanceof BrokerError)
    assert.equal(err.code, IGB_TIMEOUT)
    assert.equal(errorAction(err), 'retry-later')
    assert.match(err.url ?? '', /access_token=%5Bredacted%5D/)
    assertClean(err)
  })

  test('network failure → IGB_NETWORK', async () => {
    const dead = await startFakeMeta()
    const url = dead.url
    await dead.close()
    const err = await createMetaClient({
      flavor: 'instagram-login',
      appId: APP_ID,
      appSecret: SECRET,
      redirectUri: REDIRECT,
      baseUrls: emulatorBaseUrls(url),
      retries: 0,
    })
      .getProfile(TOKEN)
      .catch((e: unknown) => e)
    assert.ok(err instanceof BrokerError)
    assert.equal(err.code, IGB_NETWORK)
    assertClean(err)
  })

  test('connection cut mid-body → a BrokerError, not a crash', async () => {
    meta.route('GET', ig('/access_token'), { destroyAfter: '{"access_token":"abc' })
    const err = await client('instagram-login', { retries: 0 })
      .exchangeForLongLivedToken(TOKEN)
      .catch((e: unknown) => e)
    assert.ok(err instanceof BrokerError)
    assert.ok([IGB_NETWORK, IGB_INVALID_RESPONSE].includes(err.code))
  })
})

describe('long-lived tokens and refresh', () => {
  test('Instagram exchange: ig_exchange_token with the secret; numeric-string expires_in', async () => {
    meta.route('GET', ig('/access_token'), (req) =>
      req.query.get('grant_type') === 'ig_exchange_token' &&
      req.query.get('client_secret') === SECRET &&
      req.query.get('access_token') === TOKEN
        ? { json: { access_token: 'LONG', token_type: 'bearer', expires_in: '5183944' } }
        : { status: 400, json: { error: { message: 'bad', code: 100 } } },
    )
    const token = await client().exchangeForLongLivedToken(TOKEN)
    assert.deepEqual(token, {
      accessToken: 'LONG',
      tokenType: 'bearer',
      expiresIn: 5183944,
      expiresAt: NOW + 5183944_000,
    })
  })

  test('Facebook exchange: fb_exchange_token with client id and secret', async () => {
    meta.route('GET', fb('/oauth/access_token'), (req) =>
      req.query.get('grant_type') === 'fb_exchange_token' &&
      req.query.get('client_id') === APP_ID &&
      req.query.get('fb_exchange_token') === TOKEN
        ? { json: { access_token: 'EAALONG', token_type: 'bearer', expires_in: 5183944 } }
        : { status: 400, json: { error: { message: 'bad', code: 100 } } },
    )
    assert.equal(
      (await client('facebook-login').exchangeForLongLivedToken(TOKEN)).accessToken,
      'EAALONG',
    )
  })

  test('refresh too early, expired, unsupported: no call is made', async () => {
    const path = ig('/refresh_access_token')
    meta.route('GET', path, {
      json: { access_token: 'NEW', token_type: 'bearer', expires_in: 5183944 },
    })
    const before = meta.count('GET', path)
    const early = await client()
      .refreshLongLivedToken(TOKEN, { issuedAt: NOW - 23 * HOUR })
      .catch((e: unknown) => e)
    assert.ok(early instanceof BrokerError)
    assert.equal(early.code, IGB_REFRESH_TOO_EARLY)
    assert.equal(early.retryAfterMs, HOUR)
    assert.equal(early.action, 'retry-later')
    await assert.rejects(
      client().refreshLongLivedToken(TOKEN, { issuedAt: NOW - 30 * 24 * HOUR, expiresAt: NOW }),
      {
        code: IGB_TOKEN_EXPIRED,
        action: 'reauthorize',
      },
    )
    await assert.rejects(client('facebook-login').refreshLongLivedToken(TOKEN, { force: true }), {
      code: IGB_REFRESH_UNSUPPORTED,
    })
    await assert.rejects(client().refreshLongLivedToken(TOKEN, { issuedAt: Number.NaN }), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
    assert.equal(meta.count('GET', path) - before, 0)
  })

  test('refresh at 24 h, or forced, calls ig_refresh_token without the secret', async () => {
    const path = ig('/refresh_access_token')
    meta.route('GET', path, (req) =>
      req.query.get('grant_type') === 'ig_refresh_token' &&
      req.query.get('access_token') === TOKEN &&
      !req.query.has('client_secret')
        ? { json: { access_token: 'NEW', token_type: 'bearer', expires_in: 5183944 } }
        : { status: 400, json: { error: { message: 'bad', code: 100 } } },
    )
    const token = await client().refreshLongLivedToken(TOKEN, {
      issuedAt: NOW - 24 * HOUR,
      expiresAt: NOW + HOUR,
    })
    assert.equal(token.accessToken, 'NEW')
    assert.equal(token.expiresAt, NOW + 5183944_000)
    assert.equal(
      (await client().refreshLongLivedToken(TOKEN, { issuedAt: NOW, force: true })).accessToken,
      'NEW',
    )
  })
})

describe('reads', () => {
  test('Instagram profile: fields, version, user_id kept apart from id', async () => {
    meta.route('GET', ig('/v25.0/me'), (req) => ({
      json: {
        id: '99',
        user_id: 17841405793187218,
        username: 'shop',
        account_type: 'BUSINESS',
        fields: req.query.get('fields'),
      },
    }))
    const p = await client().getProfile(TOKEN)
    assert.equal(p.id, '99')
    assert.equal(p.userId, '17841405793187218')
    assert.equal(
      p.fields['fields'],
      'user_id,username,account_type,name,profile_picture_url,media_count,id',
    )
  })

  test('Basic Display profile uses unversioned /me and its own fields', async () => {
    meta.route('GET', ig('/me'), (req) => ({
      json: { id: '17841405793187218', username: 'old', fields: req.query.get('fields') },
    }))
    const p = await client('basic-display').getProfile(TOKEN)
    assert.equal(p.fields['fields'], 'id,username,account_type,media_count')
  })

  test('media follows paging on our own base URL up to maxPages', async () => {
    meta.route('GET', ig('/v25.0/me/media'), (req) => {
      const after = req.query.get('after')
      const page = after === null ? 1 : Number(after.slice(1))
      return {
        json: {
          data: [{ id: `m${page}`, media_type: 'IMAGE' }],
          paging:
            page < 3
              ? {
                  cursors: { after: `c${page + 1}` },
                  next: `https://graph.instagram.com/v25.0/me/media?after=c${page + 1}`,
                }
              : { cursors: { after: 'end' } },
        },
      }
    })
    const one = await client().listMedia(TOKEN, { limit: 1 })
    assert.deepEqual(
      one.items.map((m) => m.id),
      ['m1'],
    )
    assert.equal(one.nextCursor, 'c2')
    assert.equal(meta.seen.at(-1)?.query.get('limit'), '1')
    const all = await client().listMedia(TOKEN, { maxPages: 5 })
    assert.deepEqual(
      all.items.map((m) => m.id),
      ['m1', 'm2', 'm3'],
    )
    assert.equal(all.nextCursor, null)
    const resumed = await client().listMedia(TOKEN, { after: 'c2', maxPages: 1 })
    assert.deepEqual(
      resumed.items.map((m) => m.id),
      ['m2'],
    )
    await assert.rejects(client().listMedia(TOKEN, { maxPages: 0 }), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })

  test('Instagram inspectToken: valid via /me, dead token reads as invalid', async () => {
    meta.route('GET', ig('/v25.0/me'), (req) =>
      req.query.get('access_token') === TOKEN
        ? { json: { id: '1', user_id: '17841405793187218', username: 'shop' } }
        : {
            status: 400,
            json: {
              error: {
                message: 'Error validating access token: Session has expired',
                type: 'OAuthException',
                code: 190,
                error_subcode: 463,
              },
            },
          },
    )
    const ok = await client().inspectToken(TOKEN)
    assert.deepEqual(ok, {
      isValid: true,
      type: 'INSTAGRAM',
      userId: '17841405793187218',
      scopes: [],
      issuedAt: null,
      expiresAt: null,
      dataAccessExpiresAt: null,
    })
    const dead = await client().inspectToken('IGAAold')
    assert.equal(dead.isValid, false)
    assert.deepEqual(dead.error, {
      code: 190,
      subcode: 463,
      message: 'Error validating access token: Session has expired',
    })
  })

  test('Facebook inspectToken: debug_token with the app token', async () => {
    meta.route('GET', fb('/debug_token'), (req) =>
      req.query.get('access_token') === `${APP_ID}|${SECRET}` &&
      req.query.get('input_token') === TOKEN
        ? {
            json: {
              data: {
                app_id: APP_ID,
                type: 'USER',
                is_valid: true,
                expires_at: 1765184000,
                issued_at: 1760000000,
                scopes: ['instagram_basic'],
                user_id: '10',
              },
            },
          }
        : { status: 400, json: { error: { message: `bad ${SECRET}`, code: 190 } } },
    )
    const t = await client('facebook-login').inspectToken(TOKEN)
    assert.equal(t.expiresAt, 1765184000_000)
    assert.deepEqual(t.scopes, ['instagram_basic'])
    const err = await client('facebook-login')
      .inspectToken('other')
      .catch((e: unknown) => e)
    assert.ok(err instanceof MetaApiError)
    assert.ok(!err.message.includes(SECRET) && !JSON.stringify(err).includes(SECRET))
    assert.match(err.url, /access_token=%5Bredacted%5D/)
    assert.match(err.url, /input_token=%5Bredacted%5D/)
  })

  test('Facebook pages with paging, IG account lookup, profile and media via the page', async () => {
    meta.route('GET', fb('/me/accounts'), (req) => {
      assert.equal(
        req.query.get('fields'),
        'id,name,access_token,tasks,instagram_business_account{id,username}',
      )
      return req.query.get('after') === null
        ? {
            json: {
              data: [{ id: '1', name: 'No IG', access_token: 'P1', tasks: ['ANALYZE'] }],
              paging: {
                cursors: { after: 'x' },
                next: 'https://graph.facebook.com/v25.0/me/accounts?after=x',
              },
            },
          }
        : {
            json: {
              data: [
                {
                  id: '134895793791914',
                  name: 'Shop',
                  access_token: 'P2',
                  tasks: ['MANAGE', 'CREATE_CONTENT'],
                  instagram_business_account: { id: '17841405822304914', username: 'shop' },
                },
              ],
            },
          }
    })
    const pages = await client('facebook-login').listPages(TOKEN)
    assert.deepEqual(pages, [
      {
        id: '1',
        name: 'No IG',
        accessToken: 'P1',
        tasks: ['ANALYZE'],
        instagramBusinessAccount: null,
      },
      {
        id: '134895793791914',
        name: 'Shop',
        accessToken: 'P2',
        tasks: ['MANAGE', 'CREATE_CONTENT'],
        instagramBusinessAccount: { id: '17841405822304914', username: 'shop' },
      },
    ])
    meta.route('GET', fb('/134895793791914'), {
      json: { instagram_business_account: { id: '17841405822304914' }, id: '134895793791914' },
    })
    meta.route('GET', fb('/1'), { json: { id: '1' } })
    assert.deepEqual(
      await client('facebook-login').getInstagramBusinessAccount('134895793791914', TOKEN),
      { id: '17841405822304914' },
    )
    assert.equal(await client('facebook-login').getInstagramBusinessAccount('1', TOKEN), null)
    meta.route('GET', fb('/17841405822304914'), {
      json: { id: '17841405822304914', username: 'shop', media_count: 4 },
    })
    const profile = await client('facebook-login').getProfile(TOKEN)
    assert.equal(profile.mediaCount, 4)
    meta.route('GET', fb('/17841405822304914/media'), { json: { data: [{ id: 'm' }] } })
    assert.equal(
      (await client('facebook-login').listMedia(TOKEN, { igUserId: '17841405822304914' })).items
        .length,
      1,
    )
  })

  test('Facebook without any linked account, and pages on the wrong flavor', async () => {
    meta.route('GET', fb('/me/accounts'), { json: { data: [] } })
    await assert.rejects(client('facebook-login').getProfile(TOKEN), {
      code: IGB_NO_INSTAGRAM_ACCOUNT,
    })
    await assert.rejects(client().listPages(TOKEN), { code: IGB_UNSUPPORTED_BY_FLAVOR })
    await assert.rejects(client().getInstagramBusinessAccount('1', TOKEN), {
      code: IGB_UNSUPPORTED_BY_FLAVOR,
    })
  })
})

describe('appsecret_proof and usage hook', () => {
  beforeEach(() => {
    meta.route('GET', fb('/me/accounts'), {
      json: { data: [] },
      headers: { 'x-app-usage': '{"call_count":95,"total_time":1,"total_cputime":1}' },
    })
  })

  test('timed proof on graph.facebook.com with appsecret_time from the clock', async () => {
    await client('facebook-login', { appSecretProof: 'timed' }).listPages(TOKEN)
    const q = meta.seen.at(-1)!.query
    const time = Math.floor(NOW / 1000)
    assert.equal(q.get('appsecret_time'), String(time))
    assert.equal(
      q.get('appsecret_proof'),
      computeAppSecretProof(TOKEN, SECRET, { time }).appsecret_proof,
    )
  })

  test('untimed proof, off by default, and not sent to graph.instagram.com by default', async () => {
    await client('facebook-login', { appSecretProof: 'untimed' }).listPages(TOKEN)
    assert.equal(
      meta.seen.at(-1)!.query.get('appsecret_proof'),
      computeAppSecretProof(TOKEN, SECRET).appsecret_proof,
    )
    assert.equal(meta.seen.at(-1)!.query.has('appsecret_time'), false)
    await client('facebook-login').listPages(TOKEN)
    assert.equal(meta.seen.at(-1)!.query.has('appsecret_proof'), false)
    meta.route('GET', ig('/v25.0/me'), { json: { id: '1', username: 'u' } })
    await client('instagram-login', { appSecretProof: 'timed' }).getProfile(TOKEN)
    assert.equal(meta.seen.at(-1)!.query.has('appsecret_proof'), false)
    await client('instagram-login', {
      appSecretProof: 'timed',
      appSecretProofHosts: ['graph.instagram.com'],
    }).getProfile(TOKEN)
    assert.equal(meta.seen.at(-1)!.query.has('appsecret_proof'), true)
  })

  test('onUsage receives the usage reading', async () => {
    const seen: number[] = []
    await client('facebook-login', { onUsage: (u) => seen.push(u.maxPercent) })
      .listMedia(TOKEN, { igUserId: '5' })
      .catch(() => undefined)
    meta.route('GET', fb('/5/media'), {
      json: { data: [] },
      headers: { 'x-app-usage': '{"call_count":95}' },
    })
    const page = await client('facebook-login', {
      onUsage: (u) => seen.push(u.maxPercent),
    }).listMedia(TOKEN, { igUserId: '5' })
    assert.equal(page.usage?.suggestedWaitMs, 60_000)
    assert.deepEqual(seen.at(-1), 95)
  })
})
