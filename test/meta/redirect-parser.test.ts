import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import fc from 'fast-check'

import {
  AuthorizationDeniedError,
  IGB_REDIRECT_MISSING_CODE,
  IGB_REDIRECT_MISSING_STATE,
  IGB_REDIRECT_REPEATED_PARAMETER,
  IGB_STATE_MISMATCH,
  createMetaClient,
  errorAction,
} from '../../src/index.js'

const client = createMetaClient({
  flavor: 'instagram-login',
  appId: '990000000000001',
  appSecret: 'ig-secret',
  redirectUri: 'https://app.example/callback',
})
const check = { expectedState: 'st-123' }
const CB = 'https://app.example/callback'

function fails(input: string | URL | URLSearchParams, code: string): void {
  assert.throws(() => client.parseRedirect(input, check), { name: 'BrokerError', code })
}

describe('parseRedirect failures', () => {
  test('missing or empty code', () => {
    fails(`${CB}?state=st-123`, IGB_REDIRECT_MISSING_CODE)
    fails(`${CB}?code=&state=st-123`, IGB_REDIRECT_MISSING_CODE)
    fails(`${CB}?code=%23_&state=st-123`, IGB_REDIRECT_MISSING_CODE)
    fails('', IGB_REDIRECT_MISSING_CODE)
  })

  test('missing or empty state', () => {
    fails(`${CB}?code=abc`, IGB_REDIRECT_MISSING_STATE)
    fails(`${CB}?code=abc&state=`, IGB_REDIRECT_MISSING_STATE)
  })

  test('repeated code, state or error', () => {
    fails(`${CB}?code=a&code=b&state=st-123`, IGB_REDIRECT_REPEATED_PARAMETER)
    fails(`${CB}?code=a&state=st-123&state=st-123`, IGB_REDIRECT_REPEATED_PARAMETER)
    fails(`${CB}?error=a&error=b`, IGB_REDIRECT_REPEATED_PARAMETER)
  })

  test('state mismatch, also for a prefix or a longer value', () => {
    fails(`${CB}?code=abc&state=st-12`, IGB_STATE_MISMATCH)
    fails(`${CB}?code=abc&state=st-1234`, IGB_STATE_MISMATCH)
    fails(`${CB}?code=abc&state=ST-123`, IGB_STATE_MISMATCH)
  })

  test('state mismatch message does not echo either state', () => {
    assert.throws(
      () => client.parseRedirect(`${CB}?code=abc&state=attacker`, check),
      (err: unknown) => {
        assert.ok(err instanceof Error)
        assert.ok(!err.message.includes('attacker') && !err.message.includes('st-123'))
        assert.equal(errorAction(err), 'reauthorize')
        return true
      },
    )
  })

  test('an error redirect becomes AuthorizationDeniedError', () => {
    const url = `${CB}?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=st-123#_`
    assert.throws(
      () => client.parseRedirect(url, check),
      (err: unknown) => {
        assert.ok(err instanceof AuthorizationDeniedError)
        assert.equal(err.error, 'access_denied')
        assert.equal(err.reason, 'user_denied')
        assert.equal(err.description, 'The user denied your request')
        assert.equal(err.code, 'IGB_AUTHORIZATION_DENIED')
        return true
      },
    )
  })

  test('caller misuse: missing expected state or wrong input type', () => {
    assert.throws(() => client.parseRedirect(`${CB}?code=a&state=b`, { expectedState: '' }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    })
    assert.throws(() => client.parseRedirect(42 as unknown as string, check), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })
})

describe('parseRedirect inputs', () => {
  const want = { code: 'AQBx-hBsH3', state: 'st-123' }

  test('full URL with Instagram #_ and Facebook #_=_', () => {
    assert.deepEqual(client.parseRedirect(`${CB}?code=AQBx-hBsH3&state=st-123#_`, check), want)
    assert.deepEqual(client.parseRedirect(`${CB}?code=AQBx-hBsH3&state=st-123#_=_`, check), want)
  })

  test('#_ pasted stuck to the code (last parameter, or encoded)', () => {
    assert.deepEqual(client.parseRedirect(`${CB}?state=st-123&code=AQBx-hBsH3#_`, check), want)
    assert.deepEqual(client.parseRedirect(`state=st-123&code=AQBx-hBsH3#_`, check), want)
    assert.deepEqual(client.parseRedirect(`${CB}?state=st-123&code=AQBx-hBsH3%23_`, check), want)
    assert.deepEqual(
      client.parseRedirect(new URLSearchParams('state=st-123&code=AQBx-hBsH3#_=_'), check),
      want,
    )
    assert.deepEqual(
      client.parseRedirect(new URLSearchParams('code=AQBx-hBsH3&state=st-123#_'), check),
      want,
    )
  })

  test('URL object, query string with and without ?, URLSearchParams', () => {
    assert.deepEqual(
      client.parseRedirect(new URL(`${CB}?code=AQBx-hBsH3&state=st-123#_`), check),
      want,
    )
    assert.deepEqual(client.parseRedirect('?code=AQBx-hBsH3&state=st-123', check), want)
    assert.deepEqual(client.parseRedirect('code=AQBx-hBsH3&state=st-123', check), want)
    assert.deepEqual(client.parseRedirect('/callback?code=AQBx-hBsH3&state=st-123', check), want)
    assert.deepEqual(
      client.parseRedirect(new URLSearchParams({ code: 'AQBx-hBsH3', state: 'st-123' }), check),
      want,
    )
  })

  test('property: any code and state survive a URL round trip, with and without #_', () => {
    const codeArb = fc.string({ minLength: 1 }).filter((s) => !/#_(=_)?$/.test(s) && s.trim() === s)
    fc.assert(
      fc.property(
        codeArb,
        fc.string({ minLength: 1 }),
        fc.constantFrom('', '#_', '#_=_'),
        (code, state, hash) => {
          const url = new URL(CB)
          url.searchParams.set('code', code)
          url.searchParams.set('state', state)
          const text = url.toString() + hash
          const expected = { code, state }
          assert.deepEqual(client.parseRedirect(text, { expectedState: state }), expected)
          assert.deepEqual(client.parseRedirect(new URL(text), { expectedState: state }), expected)
          assert.deepEqual(
            client.parseRedirect(url.search + hash, { expectedState: state }),
            expected,
          )
        },
      ),
      { numRuns: 300 },
    )
  })
})
