import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, test } from 'node:test'

import { getToken, openToken, saveToken } from '../../src/store/index.js'
import { DAY, T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import { keyringK1, makeAccount } from './fixtures.js'

for (const dialect of TEST_DIALECTS.filter((d) => d.name === 'sqlite')) {
  describe(`SQLite only: encryption at rest of the raw file (${dialect.name})`, () => {
    test('the raw database file and its WAL never hold a plaintext token', async () => {
      const t = await dialect.setup()
      try {
        const ring = keyringK1()
        const values: string[] = []
        const ciphertexts: string[] = []
        for (let i = 0; i < 20; i++) {
          const accountId = await makeAccount(t.store, T0)
          const value = fakeToken()
          values.push(value)
          const saved = await saveToken(t.store, ring, {
            accountId,
            kind: 'instagram_long_lived',
            accessToken: value,
            issuedAt: T0,
            expiresAt: T0 + 60 * DAY,
            nextRefreshAt: T0 + 50 * DAY,
            expectedVersion: null,
            now: T0,
          })
          assert.ok(saved.saved)
          ciphertexts.push(saved.token.ciphertext)
          assert.equal(openToken(ring, saved.token).plaintext, value)
        }
        const check = (when: string) => {
          const files = t.files()
          assert.ok(files.length > 0)
          const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)))
          // Sanity: the raw read does see the rows.
          assert.ok(
            ciphertexts.some((c) => bytes.includes(c)),
            `${when}: rows visible`,
          )
          for (const value of values) {
            assert.equal(bytes.indexOf(value), -1, `${when}: plaintext token found`)
            assert.equal(bytes.indexOf(value.slice(5, 40)), -1, `${when}: token fragment found`)
            assert.equal(
              bytes.indexOf(Buffer.from(value).toString('base64')),
              -1,
              `${when}: base64 token found`,
            )
          }
        }
        assert.ok(fs.existsSync(`${t.files()[0]!}-wal`), 'WAL file exists while open')
        check('while open (db + wal)')
        await t.store.close()
        check('after close (checkpointed)')
        const other = await t.openAnother()
        const accountId = (await other.db.selectFrom('accounts').select('id').execute())[0]!.id
        const row = await getToken(other, accountId, 'instagram_long_lived')
        assert.ok(row)
        assert.ok(values.includes(openToken(ring, row).plaintext))
      } finally {
        await t.cleanup()
      }
    })
  })
}
