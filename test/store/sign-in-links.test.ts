import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from 'kysely'

import { consumeSignInLink, createSignInLink } from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from './dialects.js'

// Issue #15 item 10: one-time dashboard sign-in links live in the database (hashed, single use,
// short expiry) so `igtoken dashboard-link` can mint one the running service accepts.

for (const dialect of TEST_DIALECTS) {
  describe(`dashboard sign-in links [${dialect.name}]`, () => {
    test('a link works once, before its expiry, and only its SHA-256 is stored', async () => {
      const t = await dialect.setup()
      try {
        const { token, expiresAt } = await createSignInLink(t.store, { ttlMs: 60_000, now: T0 })
        assert.equal(expiresAt, T0 + 60_000)
        // Checked a second way: raw SQL and node:crypto, not the repository's own hash.
        const { rows } = await sql<{
          id: string
          used_at: unknown
        }>`select id, used_at from dashboard_sign_in_links`.execute(t.store.db)
        assert.equal(rows.length, 1)
        const [row] = rows
        assert.ok(row !== undefined)
        assert.equal(row.id, createHash('sha256').update(token).digest('hex'))
        assert.equal(row.used_at, null)
        assert.ok(!JSON.stringify(rows).includes(token), 'the secret itself is not stored')

        for (const bad of [undefined, '', 'nope', token.slice(0, -1), `${token}x`]) {
          assert.equal(await consumeSignInLink(t.store, bad, T0 + 1), false, String(bad))
        }
        assert.equal(await consumeSignInLink(t.store, token, T0 + 59_999), true)
        assert.equal(await consumeSignInLink(t.store, token, T0 + 59_999), false, 'used up')
      } finally {
        await t.cleanup()
      }
    })

    test('an expired link is refused, and swept when the next one is made', async () => {
      const t = await dialect.setup()
      try {
        const old = await createSignInLink(t.store, { ttlMs: 1000, now: T0 })
        assert.equal(await consumeSignInLink(t.store, old.token, T0 + 1000), false, 'expired')
        await createSignInLink(t.store, { ttlMs: 1000, now: T0 + 2000 })
        const { rows } = await sql<{
          n: number | string
        }>`select count(*) as n from dashboard_sign_in_links`.execute(t.store.db)
        assert.equal(Number(rows[0]?.n), 1, 'the expired one is gone')
        await assert.rejects(createSignInLink(t.store, { ttlMs: 0, now: T0 }), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
      } finally {
        await t.cleanup()
      }
    })

    test('two processes presenting the same link at once: exactly one wins', async () => {
      const t = await dialect.setup()
      try {
        const other = await t.openAnother()
        const { token } = await createSignInLink(t.store, { ttlMs: 60_000, now: T0 })
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            consumeSignInLink(i % 2 === 0 ? t.store : other, token, T0 + 1),
          ),
        )
        assert.equal(results.filter(Boolean).length, 1)
      } finally {
        await t.cleanup()
      }
    })
  })
}
