import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  IGB_DECRYPT_FAILED,
  IGB_KEY_MISSING,
  IGB_KEYRING_INVALID,
  StoreError,
  createKeyring,
  generateKey,
  parseKeyring,
} from '../../src/store/index.js'
import { KEYS, keyringK1, keyringK2K1 } from './fixtures.js'

const AAD = 'tokens:tok_a:acc_a:instagram_long_lived'
const SECRET = 'IGAATsecretvalue-0123456789abcdefghijklmnopqrstuvwxyz'

function storeError(code: string, mustNotContain: readonly string[] = []) {
  return (error: unknown) => {
    assert.ok(error instanceof StoreError, 'a StoreError')
    assert.equal(error.code, code)
    for (const text of mustNotContain) assert.ok(!error.message.includes(text), error.message)
    return true
  }
}

describe('parseKeyring refuses bad strings with a clear error', () => {
  const material = Buffer.alloc(32, 7).toString('base64')
  const cases: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['blank', '   ', /empty/],
    ['no colon', material, /kid:/],
    ['empty key id', `:${material}`, /kid:/],
    ['bad key id', `bad id!:${material}`, /key id must match/],
    ['empty entry', `a:${material},`, /entry 2 .* is empty/],
    ['not base64', 'a:not*base64', /"a" is not valid base64/],
    [
      'short key',
      `a:${Buffer.alloc(31).toString('base64')}`,
      /"a" must decode to exactly 32 bytes \(got 31\)/,
    ],
    ['long key', `a:${Buffer.alloc(33).toString('base64')}`, /exactly 32 bytes \(got 33\)/],
    ['duplicate id', `a:${material},a:${material}`, /"a" appears more than once/],
  ]
  for (const [name, value, message] of cases) {
    test(name, () => {
      assert.throws(
        () => parseKeyring(value),
        (error: unknown) => {
          storeError(IGB_KEYRING_INVALID, [material, 'not*base64'])(error)
          assert.match((error as Error).message, message)
          return true
        },
      )
    })
  }

  test('createKeyring with no entries', () => {
    assert.throws(() => createKeyring([]), storeError(IGB_KEYRING_INVALID))
  })
})

describe('keyring seal/open', () => {
  test('wrong AAD fails', () => {
    const ring = keyringK1()
    const sealed = ring.seal(SECRET, AAD)
    assert.throws(
      () => ring.open(sealed, 'tokens:tok_a:acc_a:facebook_page'),
      storeError(IGB_DECRYPT_FAILED, [SECRET]),
    )
  })

  test('a ciphertext copied to another row fails', () => {
    const ring = keyringK1()
    const sealed = ring.seal(SECRET, 'tokens:tok_a:acc_a:instagram_long_lived')
    assert.throws(
      () => ring.open(sealed, 'tokens:tok_b:acc_b:instagram_long_lived'),
      storeError(IGB_DECRYPT_FAILED),
    )
  })

  test('any tampered byte fails', () => {
    const ring = keyringK1()
    const sealed = ring.seal(SECRET, AAD)
    const [v, iv, tag, ct] = sealed.ciphertext.split('.') as [string, string, string, string]
    for (const [index, part] of [iv, tag, ct].entries()) {
      const bytes = Buffer.from(part, 'base64url')
      bytes[bytes.length - 1] = bytes.at(-1)! ^ 0x01
      const parts = [iv, tag, ct]
      parts[index] = bytes.toString('base64url')
      assert.throws(
        () => ring.open({ keyId: sealed.keyId, ciphertext: [v, ...parts].join('.') }, AAD),
        storeError(IGB_DECRYPT_FAILED),
        `part ${index}`,
      )
    }
    assert.throws(
      () => ring.open({ keyId: sealed.keyId, ciphertext: `v2.${iv}.${tag}.${ct}` }, AAD),
      storeError(IGB_DECRYPT_FAILED),
    )
    assert.throws(
      () => ring.open({ keyId: sealed.keyId, ciphertext: 'garbage' }, AAD),
      storeError(IGB_DECRYPT_FAILED),
    )
  })

  test('the same key id with other key material fails', () => {
    const sealed = keyringK1().seal(SECRET, AAD)
    const impostor = parseKeyring(`k1:${Buffer.alloc(32, 9).toString('base64')}`)
    assert.throws(() => impostor.open(sealed, AAD), storeError(IGB_DECRYPT_FAILED))
  })

  test('a missing key id names the id and no key material', () => {
    const sealed = keyringK2K1().seal(SECRET, AAD)
    assert.equal(sealed.keyId, 'k2')
    assert.throws(
      () => keyringK1().open(sealed, AAD),
      (error: unknown) => {
        storeError(IGB_KEY_MISSING, [KEYS.k1.slice(3), KEYS.k2.slice(3), SECRET])(error)
        assert.match((error as Error).message, /key id "k2" is not in the keyring/)
        return true
      },
    )
  })

  test('round trip with the first key: renew is false', () => {
    const ring = keyringK1()
    const sealed = ring.seal(SECRET, AAD)
    assert.equal(sealed.keyId, 'k1')
    assert.match(sealed.ciphertext, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/)
    assert.ok(!sealed.ciphertext.includes(SECRET))
    assert.deepEqual(ring.open(sealed, AAD), { plaintext: SECRET, renew: false })
  })

  test('two seals of the same value differ (random IV)', () => {
    const ring = keyringK1()
    assert.notEqual(ring.seal(SECRET, AAD).ciphertext, ring.seal(SECRET, AAD).ciphertext)
  })

  test('a second key decrypts with renew = true; the first key seals', () => {
    const old = keyringK1().seal(SECRET, AAD)
    const ring = keyringK2K1()
    assert.deepEqual(ring.open(old, AAD), { plaintext: SECRET, renew: true })
    assert.equal(ring.seal(SECRET, AAD).keyId, 'k2')
    assert.deepEqual(ring.keyIds, ['k2', 'k1'])
    assert.equal(ring.primaryKeyId, 'k2')
  })

  test('url-safe base64 and spaces around entries are accepted', () => {
    const key = Buffer.alloc(32, 0xfb).toString('base64url')
    const ring = parseKeyring(` a:${key} , ${KEYS.k1} `)
    assert.deepEqual(ring.keyIds, ['a', 'k1'])
  })
})

describe('generateKey', () => {
  test('refuses a bad id', () => {
    assert.throws(() => generateKey('no spaces'), { code: 'ERR_INVALID_ARG_VALUE' })
  })

  test('output parses into a working keyring', () => {
    const entry = generateKey('prod-2026')
    assert.match(entry, /^prod-2026:[A-Za-z0-9+/]{43}=$/)
    const ring = parseKeyring(entry)
    assert.equal(ring.open(ring.seal('x', 'a'), 'a').plaintext, 'x')
    assert.notEqual(generateKey('a'), generateKey('a'))
    assert.match(generateKey(), /^k\d{8}[0-9a-f]{6}:/)
  })
})
