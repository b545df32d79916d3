import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, test } from 'node:test'

import fc from 'fast-check'

import {
  IGB_SIGNED_REQUEST_BAD_ALGORITHM,
  IGB_SIGNED_REQUEST_BAD_SIGNATURE,
  IGB_SIGNED_REQUEST_EXPIRED,
  IGB_SIGNED_REQUEST_MALFORMED,
  encodeSignedRequest,
  verifySignedRequest,
} from '../../src/index.js'

const SECRET = 'app-secret-0123456789abcdef'
const NOW = 1_700_000_000_000
const now = (): number => NOW

function sign(payloadJson: string, secret = SECRET): string {
  const payload = Buffer.from(payloadJson).toString('base64url')
  return `${createHmac('sha256', secret).update(payload).digest('base64url')}.${payload}`
}

function rejects(
  value: string,
  code: string,
  secrets: string | string[] = SECRET,
  opts = {},
): void {
  assert.throws(
    () => verifySignedRequest(value, secrets, { now, ...opts }),
    (err: Error & { code?: string }) => {
      assert.equal(err.name, 'BrokerError')
      assert.equal(err.code, code)
      if (value.length >= 8) assert.ok(!err.message.includes(value), 'message echoes the value')
      return true
    },
  )
}

describe('verifySignedRequest failures', () => {
  test('wrong part count is malformed', () => {
    rejects('', IGB_SIGNED_REQUEST_MALFORMED)
    rejects('onlyonepart', IGB_SIGNED_REQUEST_MALFORMED)
    rejects('.payload', IGB_SIGNED_REQUEST_MALFORMED)
    rejects('sig.', IGB_SIGNED_REQUEST_MALFORMED)
  })

  test('three parts: the extra dot lands in the payload, which is not base64url', () => {
    const good = encodeSignedRequest({ user_id: '1' }, SECRET, { now })
    rejects(`${good}.extra`, IGB_SIGNED_REQUEST_MALFORMED)
  })

  test('bad base64 in either part is malformed', () => {
    const good = encodeSignedRequest({ user_id: '1' }, SECRET, { now })
    const [sig, payload] = good.split('.') as [string, string]
    rejects(`${sig}!.${payload}`, IGB_SIGNED_REQUEST_MALFORMED)
    rejects(`${sig}.${payload}*`, IGB_SIGNED_REQUEST_MALFORMED)
    rejects(`${sig}.a`, IGB_SIGNED_REQUEST_MALFORMED) // length 1 mod 4 decodes to nothing valid
  })

  test('signed bad JSON is malformed', () => {
    rejects(sign('{"user_id":"1",'), IGB_SIGNED_REQUEST_MALFORMED)
    rejects(sign('[1,2]'), IGB_SIGNED_REQUEST_MALFORMED)
  })

  test('missing user_id or issued_at is malformed', () => {
    rejects(sign('{"algorithm":"HMAC-SHA256","issued_at":1}'), IGB_SIGNED_REQUEST_MALFORMED)
    rejects(sign('{"algorithm":"HMAC-SHA256","user_id":"1"}'), IGB_SIGNED_REQUEST_MALFORMED)
  })

  test('wrong algorithm is rejected even when signed', () => {
    rejects(
      sign('{"algorithm":"HMAC-SHA1","user_id":"1","issued_at":1700000000}'),
      IGB_SIGNED_REQUEST_BAD_ALGORITHM,
    )
    rejects(
      sign('{"algorithm":"hmac-sha256","user_id":"1","issued_at":1700000000}'),
      IGB_SIGNED_REQUEST_BAD_ALGORITHM,
    )
    rejects(sign('{"user_id":"1","issued_at":1700000000}'), IGB_SIGNED_REQUEST_BAD_ALGORITHM)
  })

  test('a tampered payload fails the signature', () => {
    const good = encodeSignedRequest({ user_id: '111' }, SECRET, { now })
    const [sig] = good.split('.') as [string]
    const forged = Buffer.from(
      JSON.stringify({ algorithm: 'HMAC-SHA256', issued_at: NOW / 1000, user_id: '222' }),
    ).toString('base64url')
    rejects(`${sig}.${forged}`, IGB_SIGNED_REQUEST_BAD_SIGNATURE)
  })

  test('the wrong secret fails the signature', () => {
    rejects(
      encodeSignedRequest({ user_id: '1' }, 'other-secret', { now }),
      IGB_SIGNED_REQUEST_BAD_SIGNATURE,
    )
  })

  test('a signature of the wrong length fails the signature', () => {
    const good = encodeSignedRequest({ user_id: '1' }, SECRET, { now })
    const [, payload] = good.split('.') as [string, string]
    rejects(`AAAA.${payload}`, IGB_SIGNED_REQUEST_BAD_SIGNATURE)
  })

  test('too old is expired', () => {
    const old = encodeSignedRequest({ user_id: '1', issued_at: NOW / 1000 - 3601 }, SECRET)
    rejects(old, IGB_SIGNED_REQUEST_EXPIRED, SECRET, { maxAgeSeconds: 3600 })
  })

  test('caller misuse is a TypeError', () => {
    assert.throws(() => verifySignedRequest(1 as unknown as string, SECRET), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    })
    assert.throws(() => verifySignedRequest('a.b', []), { code: 'ERR_INVALID_ARG_VALUE' })
    assert.throws(() => verifySignedRequest('a.b', ''), { code: 'ERR_INVALID_ARG_VALUE' })
  })
})

describe('verifySignedRequest success', () => {
  test('Meta documented payload verifies, with padding too', () => {
    const json =
      '{"user_id":"218471","algorithm":"HMAC-SHA256","issued_at":1291836800,"expires":1291840400}'
    const value = sign(json)
    const expected = {
      user_id: '218471',
      algorithm: 'HMAC-SHA256',
      issued_at: 1291836800,
      expires: 1291840400,
    }
    assert.deepEqual(verifySignedRequest(value, SECRET), expected)
    const [sig, payload] = value.split('.') as [string, string]
    // Padding on the payload changes the signed bytes, so only the signature may be padded.
    assert.deepEqual(verifySignedRequest(`${sig}=.${payload}`, SECRET), expected)
    // Anything added to the payload after signing makes other bytes than were signed: refused.
    assert.throws(() => verifySignedRequest(`${sig}.${payload}=`, SECRET))
    assert.throws(() => verifySignedRequest(`${sig}.${payload}==`, SECRET))
  })

  test("standard base64 (+ and /) and padded parts verify, as Meta's SDKs decode them", () => {
    // A payload whose base64 has + and /, signed over its standard spelling as sent.
    const json = '{"user_id":"1","algorithm":"HMAC-SHA256","issued_at":1,"x":"~~~?>?>"}'
    const payload = Buffer.from(json).toString('base64')
    assert.match(payload, /[+/]/)
    const sig = createHmac('sha256', SECRET).update(payload).digest('base64')
    assert.equal(verifySignedRequest(`${sig}.${payload}`, SECRET).user_id, '1')
    // The same bytes in another alphabet are not a forgery; other bytes still are.
    const urlSig = sig.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    assert.equal(verifySignedRequest(`${urlSig}.${payload}`, SECRET).user_id, '1')
    const forged = createHmac('sha256', 'other').update(payload).digest('base64')
    assert.throws(() => verifySignedRequest(`${forged}.${payload}`, SECRET), {
      code: 'IGB_SIGNED_REQUEST_BAD_SIGNATURE',
    })
    assert.throws(() => verifySignedRequest(`${sig}.${payload}*`, SECRET), {
      code: 'IGB_SIGNED_REQUEST_MALFORMED',
    })
  })

  test('a numeric user_id keeps every digit', () => {
    const value = sign('{"user_id":17841405793187218,"algorithm":"HMAC-SHA256","issued_at":1}')
    assert.equal(verifySignedRequest(value, SECRET).user_id, '17841405793187218')
  })

  test('any one of several secrets verifies; other fields are kept', () => {
    const value = encodeSignedRequest({ user_id: '9', extra: { a: 1 } }, 'second', { now })
    const payload = verifySignedRequest(value, ['first', 'second'], { now, maxAgeSeconds: 60 })
    assert.equal(payload.user_id, '9')
    assert.deepEqual(payload['extra'], { a: 1 })
    assert.equal(payload.issued_at, NOW / 1000)
  })
})

describe('signed_request properties', () => {
  const payloadArb = fc.record({
    user_id: fc.stringMatching(/^[0-9]{1,20}$/),
    note: fc.string(),
  })

  test('round trip: encode then verify gives the payload back', () => {
    fc.assert(
      fc.property(payloadArb, fc.string({ minLength: 1 }), (payload, secret) => {
        const out = verifySignedRequest(encodeSignedRequest(payload, secret, { now }), secret)
        assert.equal(out.user_id, payload.user_id)
        assert.equal(out['note'], payload.note)
      }),
    )
  })

  test('any single changed character fails', () => {
    fc.assert(
      fc.property(
        payloadArb,
        fc.nat(),
        fc.constantFrom(
          ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=!'.split(''),
        ),
        (payload, position, replacement) => {
          const value = encodeSignedRequest(payload, SECRET, { now })
          const i = position % value.length
          fc.pre(value[i] !== replacement)
          const tampered = value.slice(0, i) + replacement + value.slice(i + 1)
          assert.throws(() => verifySignedRequest(tampered, SECRET), { name: 'BrokerError' })
        },
      ),
      { numRuns: 300 },
    )
  })
})
