// The classification rules of issue #11 that the corpus does not cover on its own: reused codes
// told apart by Meta's wording, localised wording falling back to the code, statuses that lie,
// bodies without a code, and both usage-header spellings.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  isMetaApiError,
  parseUsageHeaders,
  processLongLivedTokenResponse,
} from '../../src/index.js'
import type { ErrorAction, MetaApiError, ResponseContext } from '../../src/index.js'

const base: ResponseContext = {
  now: () => 1_750_000_000_000,
  secrets: ['IGAAsecret-token'],
  method: 'GET',
  url: 'https://graph.instagram.com/access_token?access_token=[redacted]',
}

async function refused(
  body: unknown,
  status = 400,
  sentToken: ResponseContext['sentToken'] = 'other',
): Promise<MetaApiError> {
  const response = new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
  try {
    await processLongLivedTokenResponse(response, { ...base, sentToken })
  } catch (err) {
    assert.ok(isMetaApiError(err), `expected MetaApiError, got ${String(err)}`)
    return err
  }
  throw new Error('did not throw')
}

const graph = (code: number | undefined, message: string, extra: object = {}) => ({
  error: { message, type: 'OAuthException', ...(code === undefined ? {} : { code }), ...extra },
})

describe('reused codes are told apart by Meta wording, and only there', () => {
  const cases: [string, object, ErrorAction, RegExp | null][] = [
    [
      'code 1 wrong secret',
      graph(1, 'Error validating client secret.'),
      'fix-request',
      /Instagram app secret.*Meta app secret/,
    ],
    ['code 1 otherwise', graph(1, 'An unknown error occurred'), 'retry-later', null],
    ['code 101 app id', graph(101, 'Invalid application ID'), 'fix-request', /Meta app id/],
    [
      '190 Page token needed',
      graph(190, '(#190) This method must be called with a Page Access Token'),
      'fix-request',
      /Page access token/,
    ],
    [
      '190 cannot get application info',
      graph(
        190,
        'Error validating application. Cannot get application info due to a system error.',
      ),
      'fix-request',
      /not about the person's token/,
    ],
    ['492 lost Page role', graph(190, 'x', { error_subcode: 492 }), 'permission', /Page admin/],
    ['490 checkpoint', graph(190, 'x', { error_subcode: 490 }), 'reauthorize', null],
    ['2500 unknown path', graph(2500, 'Unknown path components: /foo'), 'fix-request', null],
    [
      '803 alias',
      graph(803, '(#803) Some of the aliases you requested do not exist'),
      'fix-request',
      null,
    ],
    ['200 blocked', graph(200, 'API access blocked.'), 'permission', /blocked/],
    [
      'IG 100 unsupported request (post)',
      {
        error: {
          message: 'Unsupported request - method type: post',
          type: 'IGApiException',
          code: 100,
        },
      },
      'permission',
      /Instagram tester/,
    ],
  ]
  for (const [name, body, action, hint] of cases) {
    test(`${name} → ${action}`, async () => {
      const err = await refused(body)
      assert.equal(err.action, action)
      if (hint === null) assert.equal(err.hint, null)
      else assert.match(err.hint ?? '', hint)
    })
  }

  test('2500 "An active access token must be used": re-login when a token was sent, fix when none', async () => {
    const body = graph(
      2500,
      'An active access token must be used to query information about the current user.',
    )
    assert.equal((await refused(body, 400, 'other')).action, 'reauthorize')
    const none = await refused(body, 400, 'none')
    assert.equal(none.action, 'fix-request')
    assert.match(none.hint ?? '', /No access token/)
  })

  test('a message in another language falls back to what the code says', async () => {
    // Meta localises messages for some apps: the code decides, never a guess from the words.
    assert.equal(
      (await refused(graph(1, 'Error al validar el secreto del cliente.'))).action,
      'retry-later',
    )
    assert.equal(
      (await refused(graph(190, 'Error al validar el token de acceso'))).action,
      'reauthorize',
    )
    assert.equal((await refused(graph(100, 'Solicitud no admitida'))).action, 'fix-request')
    assert.equal((await refused(graph(200, 'Acceso a la API bloqueado.'))).action, 'permission')
    assert.equal(
      (await refused(graph(2500, 'Componentes de ruta desconocidos'))).action,
      'fix-request',
    )
  })
})

describe('the HTTP status alone decides nothing', () => {
  test('an error body under HTTP 200 is an error', async () => {
    const err = await refused(graph(190, 'Error validating access token'), 200)
    assert.equal(err.status, 200)
    assert.equal(err.action, 'reauthorize')
  })

  test('is_transient under 401 and 500 is transient; a permission error under 500 is not', async () => {
    const transient = graph(99, 'Temporary issue', { is_transient: true })
    assert.equal((await refused(transient, 401)).action, 'retry-later')
    assert.equal((await refused(transient, 500)).action, 'retry-later')
    assert.equal((await refused(graph(200, 'Permissions error'), 500)).action, 'permission')
    assert.equal((await refused(graph(200, 'Permissions error'), 403)).action, 'permission')
  })
})

describe('bodies in older shapes are MetaApiErrors', () => {
  test('a Graph body without code is classified by its message where it can be', async () => {
    const err = await refused({
      error: { type: 'OAuthException', message: 'Invalid verification code format.' },
    })
    assert.equal(err.code, null)
    assert.equal(err.action, 'fix-request')
    const unknown = await refused({ error: { type: 'OAuthException', message: 'Algo salió mal' } })
    assert.equal(unknown.action, 'unknown')
  })

  test('the legacy {"meta":{…}} envelope and the dialog {"status":"fail"} are read', async () => {
    const legacy = await refused({
      meta: { error_type: 'OAuthException', code: 400, error_message: 'Invalid platform app' },
    })
    assert.equal(legacy.type, 'OAuthException')
    assert.equal(legacy.action, 'fix-request')
    assert.match(legacy.hint ?? '', /Instagram app id/)
    const dialog = await refused({
      message: 'Business and user permissions are mutually exclusive',
      status: 'fail',
    })
    assert.equal(dialog.action, 'fix-request')
  })

  test('an api.instagram.com "Unsupported request" (wrong method) is a fix, not a role problem', async () => {
    const err = await refused({
      error_type: 'OAuthException',
      code: 400,
      error_message: 'Unsupported request - method type: get',
    })
    assert.equal(err.action, 'fix-request')
  })
})

describe('usage headers in either host spelling', () => {
  test("graph.instagram.com's call_volume/cpu_time read like call_count/total_cputime", () => {
    const ig = parseUsageHeaders({ 'x-app-usage': '{"call_volume":95,"cpu_time":12}' })
    assert.ok(ig)
    assert.equal(ig.maxPercent, 95)
    assert.deepEqual(
      ig.entries.map((e) => [e.source, e.callCount, e.totalCputime]),
      [['app', 95, 12]],
    )
    assert.equal(ig.suggestedWaitMs, 60_000)
    const fb = parseUsageHeaders({
      'x-app-usage': '{"call_count":95,"total_time":1,"total_cputime":1}',
    })
    assert.equal(fb?.suggestedWaitMs, 60_000)
  })

  test('X-Page-Usage and X-Ad-Account-Usage are read too; junk is ignored', () => {
    const r = parseUsageHeaders({
      'x-page-usage': '{"call_count" : 85, "total_cputime" : 56, "total_time" : 60}',
      'x-ad-account-usage': '{"acc_id_util_pct":36.33}',
    })
    assert.deepEqual(
      r?.entries.map((e) => [e.source, e.callCount]),
      [
        ['page', 85],
        ['ad-account', 36.33],
      ],
    )
    assert.equal(parseUsageHeaders({ 'x-page-usage': '{nope' }), null)
  })
})
