// "A token copied to another row does not decrypt", tried on the store itself: ciphertexts are
// moved between rows with raw SQL, outside every repository, and read back through the store.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import {
  generateKey,
  getToken,
  openToken,
  parseKeyring,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import { T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import type { TestDatabase } from './dialects.js'

const keyring = parseKeyring(generateKey('k1'))

for (const dialect of TEST_DIALECTS) {
  describe(`[${dialect.name}] a sealed token is bound to its row`, () => {
    let db: TestDatabase
    const plain = { a: fakeToken(), b: fakeToken() }
    const ids = { a: '', b: '' }
    before(async () => {
      db = await dialect.setup()
      for (const who of ['a', 'b'] as const) {
        const { id } = await upsertAccount(db.store, {
          flavor: 'instagram-login',
          metaUserId: who === 'a' ? '1001' : '1002',
          igUserId: who === 'a' ? '1001' : '1002',
          username: `user_${who}`,
          scopes: ['instagram_business_basic'],
          now: T0,
        })
        ids[who] = id
        await saveToken(db.store, keyring, {
          accountId: id,
          kind: 'instagram_long_lived',
          accessToken: plain[who],
          issuedAt: T0,
          expiresAt: T0 + 60 * 86_400_000,
          nextRefreshAt: null,
          expectedVersion: 'any',
          now: T0,
        })
      }
    })
    after(async () => {
      await db.cleanup()
    })

    async function rawCiphertext(accountId: string): Promise<string> {
      const { rows } = await sql<{
        ciphertext: string
      }>`select ciphertext from tokens where account_id = ${accountId}`.execute(db.store.db)
      assert.equal(rows.length, 1)
      return rows[0]?.ciphertext ?? ''
    }

    async function setRawCiphertext(accountId: string, ciphertext: string): Promise<void> {
      await sql`update tokens set ciphertext = ${ciphertext} where account_id = ${accountId}`.execute(
        db.store.db,
      )
    }

    test('the stored bytes are not the token, and each row opens to its own token', async () => {
      for (const who of ['a', 'b'] as const) {
        const stored = await rawCiphertext(ids[who])
        assert.ok(!stored.includes(plain[who]))
        const row = await getToken(db.store, ids[who], 'instagram_long_lived')
        assert.ok(row)
        assert.equal(openToken(keyring, row).plaintext, plain[who])
      }
    })

    test("another row's ciphertext, copied in with raw SQL, does not open; put back, it does", async () => {
      const original = await rawCiphertext(ids.b)
      await setRawCiphertext(ids.b, await rawCiphertext(ids.a))
      const moved = await getToken(db.store, ids.b, 'instagram_long_lived')
      assert.ok(moved)
      assert.throws(() => openToken(keyring, moved), { code: 'IGB_DECRYPT_FAILED' })
      await setRawCiphertext(ids.b, original)
      const back = await getToken(db.store, ids.b, 'instagram_long_lived')
      assert.ok(back)
      assert.equal(openToken(keyring, back).plaintext, plain.b)
    })

    test('a row whose identity is changed (same ciphertext, another kind) does not open', async () => {
      const row = await getToken(db.store, ids.a, 'instagram_long_lived')
      assert.ok(row)
      assert.throws(() => openToken(keyring, { ...row, kind: 'facebook_page' }), {
        code: 'IGB_DECRYPT_FAILED',
      })
      assert.throws(() => openToken(keyring, { ...row, account_id: ids.b }), {
        code: 'IGB_DECRYPT_FAILED',
      })
    })
  })
}
