import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { metaFailure } from '../../src/broker/meta-failure.js'
import type { MetaFailureStep } from '../../src/broker/meta-failure.js'
import { ServiceError } from '../../src/broker/service-error.js'
import { AuthorizationDeniedError, BrokerError, MetaApiError } from '../../src/meta/index.js'
import type { ErrorAction } from '../../src/meta/index.js'

function metaError(
  fields: Partial<{
    message: string
    code: number | null
    subcode: number | null
    action: ErrorAction
    hint: string | null
    retryAfterMs: number | null
  }>,
): MetaApiError {
  return new MetaApiError({
    message: fields.message ?? 'something Meta said',
    status: 400,
    code: fields.code ?? null,
    subcode: fields.subcode ?? null,
    type: 'OAuthException',
    fbtraceId: null,
    userTitle: null,
    userMessage: null,
    action: fields.action ?? 'unknown',
    retryAfterMs: fields.retryAfterMs ?? null,
    hint: fields.hint ?? null,
    usage: null,
    method: 'GET',
    url: 'https://graph.instagram.com/me',
    body: {},
    response: new Response(null, { status: 400 }),
  })
}

// [what failed, step, expected code, expected reason]
const CASES: readonly [string, unknown, MetaFailureStep, string, string][] = [
  [
    'a dead token on read',
    metaError({ action: 'reauthorize', code: 190 }),
    'call',
    'needs_reauth',
    'token_dead',
  ],
  [
    'a throttle',
    metaError({ action: 'retry-later', code: 4, retryAfterMs: 60_000 }),
    'media',
    'meta_error',
    'retry_later',
  ],
  [
    'a missing permission',
    metaError({ action: 'permission', code: 10 }),
    'call',
    'meta_error',
    'permission_missing',
  ],
  [
    'a refused refresh',
    metaError({ action: 'fix-request', code: 100 }),
    'refresh',
    'meta_error',
    'meta_refused',
  ],
  [
    'an unregistered redirect URI',
    metaError({ action: 'fix-request', code: 100, subcode: 36008 }),
    'sign-in',
    'code_rejected',
    'redirect_uri_not_registered',
  ],
  [
    'a used code',
    metaError({ action: 'fix-request', code: 100, subcode: 36009 }),
    'sign-in',
    'code_rejected',
    'code_expired',
  ],
  [
    'an expired code',
    metaError({ action: 'fix-request', code: 100, subcode: 36007 }),
    'sign-in',
    'code_rejected',
    'code_expired',
  ],
  [
    'a refused sign-in',
    metaError({ action: 'fix-request' }),
    'sign-in',
    'code_rejected',
    'meta_refused',
  ],
  [
    'Meta down during a sign-in',
    metaError({ action: 'retry-later', code: 2 }),
    'sign-in',
    'meta_error',
    'retry_later',
  ],
  [
    'Cancel on the dialog',
    new AuthorizationDeniedError('access_denied', 'user_denied', null),
    'sign-in',
    'authorization_denied',
    'denied',
  ],
  [
    'a timeout',
    new BrokerError('IGB_TIMEOUT', 'timed out after 10 s'),
    'refresh',
    'meta_unreachable',
    'meta_unreachable',
  ],
  [
    'a network failure',
    new BrokerError('IGB_NETWORK', 'connection refused'),
    'media',
    'meta_unreachable',
    'meta_unreachable',
  ],
  [
    'a young token',
    new BrokerError('IGB_REFRESH_TOO_EARLY', 'too young', { retryAfterMs: 3_600_000 }),
    'refresh',
    'invalid_request',
    'too_early',
  ],
  [
    'an expired token',
    new BrokerError('IGB_TOKEN_EXPIRED', 'expired'),
    'refresh',
    'invalid_request',
    'token_dead',
  ],
  [
    'no linked Instagram account',
    new BrokerError('IGB_NO_INSTAGRAM_ACCOUNT', 'no page'),
    'sign-in',
    'code_rejected',
    'no_instagram_account',
  ],
  [
    'a malformed redirect',
    new BrokerError('IGB_STATE_MISMATCH', 'state differs'),
    'sign-in',
    'invalid_request',
    'redirect_malformed',
  ],
  [
    'an unusable answer',
    new BrokerError('IGB_INVALID_RESPONSE', 'html page'),
    'call',
    'meta_error',
    'IGB_INVALID_RESPONSE',
  ],
  [
    'a bad argument',
    Object.assign(new TypeError('"scopes" must be a list'), { code: 'ERR_INVALID_ARG_VALUE' }),
    'call',
    'invalid_request',
    'invalid_argument',
  ],
  ['a bug', new Error('boom'), 'call', 'internal', 'internal'],
]

describe('metaFailure: the one translation of a Meta failure', () => {
  for (const [what, error, step, code, reason] of CASES) {
    test(`${what} (${step}) → ${code} / ${reason}`, () => {
      const failure = metaFailure(error, {
        step,
        flavor: 'instagram-login',
        redirectUri: 'https://x.example/cb',
      })
      assert.ok(failure instanceof ServiceError, 'a ServiceError')
      assert.equal(failure.code, code)
      assert.equal(failure.reason, reason)
      assert.equal(failure.cause, error)
      if (code !== 'internal' && code !== 'invalid_request') {
        assert.ok(failure.hint !== undefined && failure.hint.length > 10, 'a fix is offered')
      }
    })
  }

  test("Meta's message text never changes the classification", () => {
    for (const message of [
      'Invalid client_secret',
      'Invalid redirect_uri',
      'too new to be refreshed',
      '',
    ]) {
      const failure = metaFailure(metaError({ action: 'fix-request', code: 100, message }), {
        step: 'refresh',
      })
      assert.equal(failure.reason, 'meta_refused', message)
      assert.match(failure.hint ?? '', /24 hours old/)
    }
  })

  test("src/meta's hint is the fix when it gives one", () => {
    const hint = 'use the Instagram app id, not the Meta app id'
    const failure = metaFailure(metaError({ action: 'fix-request', hint }), { step: 'sign-in' })
    assert.equal(failure.hint, hint)
  })

  test('an unregistered redirect URI names the exact string and where to register it', () => {
    const error = metaError({ action: 'fix-request', subcode: 36008 })
    const ig = metaFailure(error, {
      step: 'sign-in',
      flavor: 'instagram-login',
      redirectUri: 'https://a.example/cb',
    })
    assert.match(
      ig.hint ?? '',
      /register exactly https:\/\/a\.example\/cb .*Business login settings/,
    )
    const fb = metaFailure(error, {
      step: 'sign-in',
      flavor: 'facebook-login',
      redirectUri: 'https://a.example/cb',
    })
    assert.match(fb.hint ?? '', /Valid OAuth Redirect URIs/)
  })

  test('a ServiceError passes through unchanged; no message holds the redirect code', () => {
    const already = new ServiceError('not_found', 'no account has this id')
    assert.equal(metaFailure(already), already)
    const failure = metaFailure(new Error('leaked code=AQBx'), {})
    assert.doesNotMatch(failure.message, /AQBx/)
  })
})
