import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  BrokerError,
  IGB_INVALID_RESPONSE,
  errorAction,
  getFlavor,
  isMetaApiError,
  parseMetaJson,
  processCodeExchangeResponse,
  processDebugTokenResponse,
  processLongLivedTokenResponse,
  processMediaPageResponse,
  processProfileResponse,
} from '../../src/index.js'
import type { MetaApiError, ResponseContext } from '../../src/index.js'

const NOW = 1_750_000_000_000
const TOKEN = 'IGAAsecret-token-value'
const SECRET = 'ig-app-secret-value'
const ctx: ResponseContext = {
  now: () => NOW,
  secrets: [TOKEN, SECRET],
  method: 'GET',
  url: 'https://graph.instagram.com/me?access_token=[redacted]',
}
const ig = getFlavor('instagram-login')
const fb = getFlavor('facebook-login')

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

async function metaError(response: Response): Promise<MetaApiError> {
  try {
    await processLongLivedTokenResponse(response, ctx)
  } catch (err) {
    assert.ok(isMetaApiError(err), `expected MetaApiError, got ${String(err)}`)
    return err
  }
  throw new Error('did not throw')
}

async function invalid(response: Response, pattern: RegExp): Promise<BrokerError> {
  try {
    await processLongLivedTokenResponse(response, ctx)
  } catch (err) {
    assert.ok(err instanceof BrokerError, `expected BrokerError, got ${String(err)}`)
    assert.equal(err.code, IGB_INVALID_RESPONSE)
    assert.match(err.message, pattern)
    return err
  }
  throw new Error('did not throw')
}

describe('unusable bodies are IGB_INVALID_RESPONSE, never a crash', () => {
  test('HTML error page (with status, retry-later on 5xx)', async () => {
    const err = await invalid(
      new Response('<!DOCTYPE html><html><body>Sorry, something went wrong.</body></html>', {
        status: 502,
        headers: { 'content-type': 'text/html' },
      }),
      /html page/,
    )
    assert.equal(err.status, 502)
    assert.equal(err.action, 'retry-later')
  })

  test('HTML page served as JSON on a 200', async () => {
    const err = await invalid(json('<html>oops</html>'), /html page/)
    assert.equal(err.status, 200)
    assert.equal(err.action, undefined)
  })

  test('empty body', async () => {
    await invalid(new Response('', { status: 200 }), /empty body/)
    await invalid(new Response(null, { status: 500 }), /empty body/)
  })

  test('truncated JSON and non-JSON', async () => {
    await invalid(json('{"access_token":"abc","token_type":"bea'), /truncated or invalid json/)
    await invalid(json('access_token=abc'), /not json/)
  })

  test('failure status without an error object', async () => {
    await invalid(json({ hello: 1 }, 400), /failure status/)
  })

  test('missing and wrongly typed fields, quoting the field', async () => {
    await invalid(json({ token_type: 'bearer', expires_in: 5 }), /^"access_token" is missing$/)
    await invalid(
      json({ access_token: 'a', token_type: 'mac', expires_in: 5 }),
      /"token_type" must be "bearer"/,
    )
    await invalid(
      json({ access_token: 'a', expires_in: -1 }),
      /^"expires_in" must be a positive number$/,
    )
    await invalid(
      json({ access_token: 'a', expires_in: 'soon' }),
      /"expires_in" must be a positive number/,
    )
    await invalid(json({ access_token: 'a' }), /"expires_in" is missing/)
  })

  test('an invalid body never echoes the token in its message or JSON', async () => {
    const err = await invalid(json(`{"access_token":"${TOKEN}`), /truncated/)
    assert.ok(!err.message.includes(TOKEN))
    assert.ok(!JSON.stringify(err).includes(TOKEN))
    assert.ok(!JSON.stringify(err.cause).includes(TOKEN))
  })
})

describe('Meta error shapes and their action', () => {
  test('Graph shape: all fields, 190/463 → reauthorize', async () => {
    const err = await metaError(
      json(
        {
          error: {
            message: 'Error validating access token: Session has expired on Thursday',
            type: 'OAuthException',
            code: 190,
            error_subcode: 463,
            error_user_title: 'Title',
            error_user_msg: 'User message',
            fbtrace_id: 'A_mu123',
          },
        },
        400,
      ),
    )
    assert.equal(err.status, 400)
    assert.equal(err.code, 190)
    assert.equal(err.subcode, 463)
    assert.equal(err.type, 'OAuthException')
    assert.equal(err.fbtraceId, 'A_mu123')
    assert.equal(err.userTitle, 'Title')
    assert.equal(err.userMessage, 'User message')
    assert.equal(err.action, 'reauthorize')
    assert.equal(errorAction(err), 'reauthorize')
    assert.match(err.message, /Session has expired/)
    assert.deepEqual(Object.keys(err.cause as object), ['error'])
    assert.equal(Object.keys(err).includes('response'), false)
    assert.equal(err.response.status, 400)
  })

  const cases: [string, Record<string, unknown>, number, string][] = [
    ['102 session', { code: 102 }, 400, 'reauthorize'],
    ['458 app removed', { code: 190, error_subcode: 458 }, 400, 'reauthorize'],
    ['460 password changed', { code: 190, error_subcode: 460 }, 400, 'reauthorize'],
    ['467 invalid', { code: 190, error_subcode: 467 }, 400, 'reauthorize'],
    ['1 unknown', { code: 1 }, 500, 'retry-later'],
    ['2 service', { code: 2 }, 503, 'retry-later'],
    ['4 app throttle', { code: 4 }, 400, 'retry-later'],
    ['17 user throttle', { code: 17 }, 400, 'retry-later'],
    ['32 pages throttle', { code: 32 }, 400, 'retry-later'],
    ['613 custom throttle', { code: 613, error_subcode: 1996 }, 400, 'retry-later'],
    ['80001 pages BUC', { code: 80001 }, 400, 'retry-later'],
    ['80002 instagram BUC', { code: 80002 }, 400, 'retry-later'],
    ['100 invalid parameter', { code: 100 }, 400, 'fix-request'],
    ['36008 redirect mismatch', { code: 100, error_subcode: 36008 }, 400, 'fix-request'],
    ['36009 code used', { code: 100, error_subcode: 36009 }, 400, 'fix-request'],
    ['191 redirect', { code: 191 }, 400, 'fix-request'],
    ['10 permission', { code: 10 }, 403, 'permission'],
    ['200 permission', { code: 200 }, 403, 'permission'],
    ['299 permission', { code: 299 }, 403, 'permission'],
    ['unknown 5xx', { code: 999 }, 500, 'retry-later'],
    ['unknown 4xx', { code: 999 }, 400, 'unknown'],
  ]
  for (const [name, fields, status, action] of cases) {
    test(`graph ${name} → ${action}`, async () => {
      const err = await metaError(
        json({ error: { message: name, type: 'OAuthException', ...fields } }, status),
      )
      assert.equal(err.action, action)
      if (action === 'retry-later') assert.ok(err.retryAfterMs !== null && err.retryAfterMs > 0)
      else assert.equal(err.retryAfterMs, null)
    })
  }

  test('throttle waits for the BUC estimate (minutes → ms) and carries usage', async () => {
    const err = await metaError(
      json(
        { error: { message: '(#80002) too many calls', type: 'OAuthException', code: 80002 } },
        400,
        {
          'x-business-use-case-usage': JSON.stringify({
            '17841405822304914': [
              {
                type: 'instagram',
                call_count: 100,
                total_cputime: 25,
                total_time: 25,
                estimated_time_to_regain_access: 19,
              },
            ],
          }),
        },
      ),
    )
    assert.equal(err.retryAfterMs, 19 * 60_000)
    assert.equal(err.usage?.maxPercent, 100)
  })

  const oauth: [string, string | null][] = [
    ['Matching code was not found or was already used', null],
    ['Invalid redirect_uri', null],
    ['This authorization code has been used', null],
    ['Invalid platform app', 'Instagram app id'],
  ]
  for (const [message, hint] of oauth) {
    test(`instagram oauth shape "${message}" → fix-request`, async () => {
      const err = await metaError(
        json({ error_type: 'OAuthException', code: 400, error_message: message }, 400),
      )
      assert.equal(err.action, 'fix-request')
      assert.equal(err.code, 400)
      assert.equal(err.type, 'OAuthException')
      assert.equal(err.subcode, null)
      assert.equal(err.message, message)
      if (hint === null) assert.equal(err.hint, null)
      else assert.match(err.hint ?? '', new RegExp(hint))
    })
  }

  test('an error object on a 200 is still an error', async () => {
    const err = await metaError(json({ error: { message: 'x', code: 190 } }, 200))
    assert.equal(err.status, 200)
    assert.equal(err.action, 'reauthorize')
  })

  test('Meta echoing the token or secret is scrubbed from message, cause, JSON and response', async () => {
    const body = {
      error: {
        message: `Invalid OAuth access token - Cannot parse access token: ${TOKEN} (secret ${encodeURIComponent(SECRET)})`,
        type: 'OAuthException',
        code: 190,
        error_user_msg: `token ${TOKEN}`,
        fbtrace_id: 'x',
      },
    }
    const err = await metaError(
      json(body, 400, {
        'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${TOKEN}"`,
      }),
    )
    for (const text of [
      err.message,
      JSON.stringify(err),
      JSON.stringify(err.cause),
      err.userMessage ?? '',
      await err.response.text(),
      err.response.headers.get('www-authenticate') ?? '',
    ]) {
      assert.ok(!text.includes(TOKEN), text)
      assert.ok(!text.includes(SECRET), text)
    }
    assert.match(err.message, /\[redacted\]/)
    assert.equal(err.response.url, '')
  })
})

describe('success bodies', () => {
  test('code exchange: documented data-wrapped body, user_id as string', async () => {
    const token = await processCodeExchangeResponse(
      ig,
      json({
        data: [
          {
            access_token: 'EAAC',
            user_id: '17841405793187218',
            permissions: 'instagram_business_basic, instagram_business_manage_messages',
          },
        ],
      }),
      ctx,
    )
    assert.deepEqual(token, {
      accessToken: 'EAAC',
      userId: '17841405793187218',
      permissions: ['instagram_business_basic', 'instagram_business_manage_messages'],
      expiresAt: NOW + 3600_000,
    })
  })

  test('code exchange: flat body with user_id as a huge JSON number keeps every digit', async () => {
    const token = await processCodeExchangeResponse(
      ig,
      json('{"access_token": "IGQVJ", "user_id": 17841405793187218}'),
      ctx,
    )
    assert.equal(token.userId, '17841405793187218')
    assert.deepEqual(token.permissions, [])
  })

  test('code exchange failures: empty data, missing user_id', async () => {
    await assert.rejects(processCodeExchangeResponse(ig, json({ data: [] }), ctx), {
      code: IGB_INVALID_RESPONSE,
    })
    await assert.rejects(processCodeExchangeResponse(ig, json({ access_token: 'a' }), ctx), {
      code: IGB_INVALID_RESPONSE,
      message: '"user_id" is missing',
    })
    await assert.rejects(
      processCodeExchangeResponse(ig, json({ access_token: 'a', user_id: 1.5 }), ctx),
      {
        code: IGB_INVALID_RESPONSE,
      },
    )
  })

  test('code exchange on Facebook: expires_in as string, no user id', async () => {
    const token = await processCodeExchangeResponse(
      fb,
      json({ access_token: 'EAAB', token_type: 'bearer', expires_in: '5108' }),
      ctx,
    )
    assert.deepEqual(token, {
      accessToken: 'EAAB',
      userId: null,
      permissions: [],
      expiresAt: NOW + 5108_000,
    })
  })

  test('long-lived: expires_in as number or numeric string, usage attached', async () => {
    const usageHeader = { 'x-app-usage': '{"call_count":28,"total_time":25,"total_cputime":25}' }
    const a = await processLongLivedTokenResponse(
      json({ access_token: 'L', token_type: 'bearer', expires_in: 5183944 }, 200, usageHeader),
      ctx,
    )
    assert.deepEqual(a, {
      accessToken: 'L',
      tokenType: 'bearer',
      expiresIn: 5183944,
      expiresAt: NOW + 5183944_000,
      usage: {
        maxPercent: 28,
        suggestedWaitMs: 0,
        entries: [
          {
            source: 'app',
            businessId: null,
            type: 'app',
            callCount: 28,
            totalTime: 25,
            totalCputime: 25,
            regainAccessMs: 0,
          },
        ],
      },
    })
    const b = await processLongLivedTokenResponse(
      json({ access_token: 'L', token_type: 'Bearer', expires_in: '5183944' }),
      ctx,
    )
    assert.equal(b.expiresIn, 5183944)
  })

  test('profile keeps big ids as strings and raw fields', async () => {
    const p = await processProfileResponse(
      json(
        '{"id":"7","user_id":17841405793187218,"username":"shop","account_type":"BUSINESS","media_count":"12","followers_count":3}',
      ),
      ctx,
    )
    assert.deepEqual(p, {
      id: '7',
      userId: '17841405793187218',
      username: 'shop',
      accountType: 'BUSINESS',
      mediaCount: 12,
      fields: {
        id: '7',
        user_id: '17841405793187218',
        username: 'shop',
        account_type: 'BUSINESS',
        media_count: '12',
        followers_count: 3,
      },
    })
    await assert.rejects(processProfileResponse(json({ id: '7' }), ctx), {
      message: '"username" is missing',
    })
  })

  test('media page with album children, timestamps as epoch ms and a next cursor', async () => {
    const page = await processMediaPageResponse(
      json({
        data: [
          {
            id: '1',
            caption: 'hi',
            media_type: 'CAROUSEL_ALBUM',
            media_url: 'https://cdn/1.jpg',
            permalink: 'https://instagram.com/p/1',
            timestamp: '2017-08-31T18:10:00+0000',
            children: { data: [{ id: '2', media_type: 'IMAGE', media_url: 'https://cdn/2.jpg' }] },
          },
        ],
        paging: {
          cursors: { before: 'B', after: 'QVFI' },
          next: 'https://graph.instagram.com/me/media?after=QVFI&access_token=x',
        },
      }),
      ctx,
    )
    assert.equal(page.nextCursor, 'QVFI')
    const first = page.items[0]!
    assert.equal(first.timestamp, Date.UTC(2017, 7, 31, 18, 10))
    assert.equal(first.children[0]?.id, '2')
    assert.equal(first.thumbnailUrl, null)
    const last = await processMediaPageResponse(
      json({ data: [], paging: { cursors: { after: 'Z' } } }),
      ctx,
    )
    assert.equal(last.nextCursor, null, 'no next means last page even with a cursor')
    await assert.rejects(
      processMediaPageResponse(json({ data: [{ id: '1', timestamp: 'yesterday' }] }), ctx),
      {
        message: '"timestamp" must be an ISO 8601 date',
      },
    )
  })

  test('debug_token: expires_at 0 is never, times in ms, invalid token with error', async () => {
    const valid = await processDebugTokenResponse(
      json({
        data: {
          app_id: '138483919580948',
          type: 'PAGE',
          application: 'App',
          data_access_expires_at: 1700000000,
          expires_at: 0,
          is_valid: true,
          issued_at: 1690000000,
          scopes: ['pages_show_list'],
          user_id: '10215',
        },
      }),
      ctx,
    )
    assert.deepEqual(valid, {
      isValid: true,
      type: 'PAGE',
      appId: '138483919580948',
      userId: '10215',
      scopes: ['pages_show_list'],
      issuedAt: 1690000000_000,
      expiresAt: null,
      dataAccessExpiresAt: 1700000000_000,
    })
    const dead = await processDebugTokenResponse(
      json({
        data: {
          is_valid: false,
          type: 'USER',
          expires_at: 1690000000,
          error: { code: 190, subcode: 463, message: 'Session has expired' },
          scopes: [],
        },
      }),
      ctx,
    )
    assert.equal(dead.isValid, false)
    assert.deepEqual(dead.error, { code: 190, subcode: 463, message: 'Session has expired' })
    await assert.rejects(
      processDebugTokenResponse(json({ data: { is_valid: true, type: 'ROBOT' } }), ctx),
      {
        code: IGB_INVALID_RESPONSE,
      },
    )
  })

  test('parseMetaJson keeps unsafe integers as digit strings', () => {
    assert.deepEqual(
      parseMetaJson('{"a":17841405793187218,"b":"17841405793187218","c":12,"d":1.5}'),
      {
        a: '17841405793187218',
        b: '17841405793187218',
        c: 12,
        d: 1.5,
      },
    )
    assert.throws(() => parseMetaJson('{"a":'), SyntaxError)
  })
})
