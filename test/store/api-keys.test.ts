import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, test } from 'node:test'

import {
  createApiKey,
  listApiKeys,
  markApiKeyRevoked,
  sha256Hex,
  verifyApiKey,
} from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from './dialects.js'

for (const dialect of TEST_DIALECTS) {
  describe(`api keys [${dialect.name}]`, () => {
    test('bad name is refused', async () => {
      const t = await dialect.setup()
      try {
        await assert.rejects(createApiKey(t.store, { name: ' ', now: T0 }), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
        assert.deepEqual(await listApiKeys(t.store), [])
      } finally {
        await t.cleanup()
      }
    })

    test('unknown, malformed and revoked keys fail verification', async () => {
      const t = await dialect.setup()
      try {
        const { id, key } = await createApiKey(t.store, { name: 'ci', now: T0 })
        const forged = `igt_${'A'.repeat(43)}`
        for (const presented of [
          forged,
          '',
          'igt_',
          key.slice(0, -1),
          `${key}x`,
          key.toUpperCase(),
        ]) {
          assert.equal(await verifyApiKey(t.store, presented, T0), undefined, presented)
        }
        assert.equal(await markApiKeyRevoked(t.store, id, T0 + 1), true)
        assert.equal(await markApiKeyRevoked(t.store, id, T0 + 2), false)
        assert.equal(await verifyApiKey(t.store, key, T0 + 3), undefined)
      } finally {
        await t.cleanup()
      }
    })

    test('the key is shown once; only its hash is stored, not even in the raw file', async () => {
      const t = await dialect.setup()
      try {
        const created = await createApiKey(t.store, { name: 'deploy bot', now: T0 })
        assert.match(created.key, /^igt_[A-Za-z0-9_-]{43}$/)
        assert.equal(created.prefix, created.key.slice(0, 12))

        const listed = await listApiKeys(t.store)
        assert.deepEqual(listed, [
          {
            id: created.id,
            name: 'deploy bot',
            key_prefix: created.prefix,
            created_at: T0,
            last_used_at: null,
            revoked_at: null,
            // Created without scopes: the column's default, every scope (migration 0009).
            scopes: [
              'tokens:read',
              'graph:read',
              'graph:write',
              'accounts:manage',
              'webhooks:manage',
              'links:manage',
            ],
          },
        ])
        const rows = await t.store.db.selectFrom('api_keys').selectAll().execute()
        assert.equal(rows[0]?.key_hash, sha256Hex(created.key))
        assert.ok(!JSON.stringify(rows).includes(created.key))

        for (const file of t.files()) {
          const bytes = fs.readFileSync(file)
          assert.equal(bytes.indexOf(created.key), -1, `${file} holds the key`)
          assert.equal(bytes.indexOf(created.key.slice(12)), -1, `${file} holds the key body`)
        }
        if (t.files().length > 0) {
          const all = Buffer.concat(t.files().map((f) => fs.readFileSync(f)))
          assert.notEqual(all.indexOf(sha256Hex(created.key)), -1, 'the raw read sees the row')
        }
      } finally {
        await t.cleanup()
      }
    })

    test('verify returns the key info and touches last_used_at at most once a minute', async () => {
      const t = await dialect.setup()
      try {
        const { id, key } = await createApiKey(t.store, { name: 'ci', now: T0 })
        const first = await verifyApiKey(t.store, key, T0 + 1000)
        assert.deepEqual(first, {
          id,
          name: 'ci',
          key_prefix: key.slice(0, 12),
          created_at: T0,
          last_used_at: T0 + 1000,
          revoked_at: null,
          scopes: [
            'tokens:read',
            'graph:read',
            'graph:write',
            'accounts:manage',
            'webhooks:manage',
            'links:manage',
          ],
        })
        assert.ok(!('key_hash' in first))
        await verifyApiKey(t.store, key, T0 + 30_000)
        assert.equal((await listApiKeys(t.store))[0]?.last_used_at, T0 + 1000)
        await verifyApiKey(t.store, key, T0 + 61_000)
        assert.equal((await listApiKeys(t.store))[0]?.last_used_at, T0 + 61_000)
      } finally {
        await t.cleanup()
      }
    })
  })
}
