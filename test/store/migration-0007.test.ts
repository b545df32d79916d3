import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Migrator, sql } from 'kysely'
import type { Kysely } from 'kysely'
import { adoptLegacyFacebookAccount, migrateToLatest } from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'
import { migrationProvider } from '../../src/store/migrations/index.js'
import { TEST_DIALECTS } from './dialects.js'

// 0007 changes the key of `accounts` from (flavor, meta_user_id) to (flavor, meta_user_id,
// ig_user_id). On SQLite that is a table rebuild inside the migration's transaction, where a
// dropped `accounts` would cascade to `tokens` and `feeds`: the rows must all come back.

/** Raw rows, as a migration sees tables: no generated types. */
type Loose = Kysely<Record<string, Record<string, unknown>>>

function account(id: string, metaUserId: string, igUserId: string | null) {
  return {
    id,
    meta_user_id: metaUserId,
    ig_user_id: igUserId,
    username: `user_${id}`,
    flavor: 'facebook-login',
    scopes: 'instagram_basic',
    status: 'active',
    label: `label ${id}`,
    status_reason: null,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_001,
    connected_at: 1_700_000_000_002,
  }
}

function token(id: string, accountId: string) {
  return {
    id,
    account_id: accountId,
    kind: 'facebook_page',
    ciphertext: `v1.sealed.${id}`,
    key_id: 'k1',
    issued_at: 1,
    expires_at: null,
    refreshed_at: null,
    version: 3,
    next_refresh_at: 5,
    lease_owner: null,
    lease_until: null,
    attempts: 0,
    last_error_code: null,
    last_error_message: null,
    last_error_at: null,
    created_at: 1,
    updated_at: 2,
  }
}

async function seedAt0006(store: Store): Promise<void> {
  const { error } = await new Migrator({
    db: store.db,
    provider: migrationProvider,
  }).migrateTo('0006-seen-signed-requests')
  assert.equal(error, undefined)
  const db = store.db as unknown as Loose
  await db
    .insertInto('accounts')
    .values([account('acc_a', '1001', '1784001'), account('acc_b', '1002', null)])
    .execute()
  await db
    .insertInto('tokens')
    .values([token('tok_a', 'acc_a'), token('tok_b', 'acc_b')])
    .execute()
  await db
    .insertInto('feeds')
    .values({
      id: 'feed_a',
      account_id: 'acc_a',
      label: null,
      media_limit: 6,
      allowed_origins: '',
      created_at: 1,
      snapshot_body: null,
      snapshot_etag: null,
      snapshot_at: null,
      last_error_code: null,
      last_error_at: null,
    })
    .execute()
}

for (const dialect of TEST_DIALECTS) {
  describe(`migration 0007: one account per Instagram account [${dialect.name}]`, () => {
    test('keeps every account, token and feed; the new key admits a second account per login', async () => {
      const t = await dialect.setup({ migrate: false })
      try {
        await seedAt0006(t.store)
        const before = await sql<
          Record<string, unknown>
        >`select * from accounts order by id`.execute(t.store.db)
        const { executed } = await migrateToLatest(t.store)
        assert.ok(executed.includes('0007-account-per-instagram-account'))
        const after = await sql<
          Record<string, unknown>
        >`select * from accounts order by id`.execute(t.store.db)
        assert.deepEqual(after.rows, before.rows)
        const tokens = await sql<{
          id: string
          ciphertext: string
          version: number | string
        }>`select id, ciphertext, version from tokens order by id`.execute(t.store.db)
        assert.deepEqual(
          tokens.rows.map((r) => [r.id, r.ciphertext, Number(r.version)]),
          [
            ['tok_a', 'v1.sealed.tok_a', 3],
            ['tok_b', 'v1.sealed.tok_b', 3],
          ],
        )
        const feeds = await sql<{ id: string }>`select id from feeds`.execute(t.store.db)
        assert.deepEqual(
          feeds.rows.map((r) => r.id),
          ['feed_a'],
        )
        const db = t.store.db as unknown as Loose
        // A second Instagram account of the same login: refused by 0001's key, allowed now.
        await db
          .insertInto('accounts')
          .values(account('acc_c', '1001', '1784002'))
          .execute()
        // The same Instagram account twice, or a second row without one: refused.
        await assert.rejects(
          db
            .insertInto('accounts')
            .values(account('acc_d', '1001', '1784002'))
            .execute(),
        )
        await assert.rejects(
          db
            .insertInto('accounts')
            .values(account('acc_e', '1002', null))
            .execute(),
        )
        // Foreign keys still name the rebuilt table: a token of no account is refused, and
        // deleting an account still takes its tokens and feeds with it.
        await assert.rejects(db.insertInto('tokens').values(token('tok_x', 'acc_none')).execute())
        await db.deleteFrom('accounts').where('id', '=', 'acc_a').execute()
        const left = await sql<{
          n: number
        }>`select (select count(*) from tokens) + (select count(*) from feeds) as n`.execute(
          t.store.db,
        )
        assert.equal(Number(left.rows[0]?.n), 1)
      } finally {
        await t.cleanup()
      }
    })

    test('a Facebook account keyed by its Instagram id before 0007 moves to the real login id', async () => {
      const t = await dialect.setup()
      try {
        const db = t.store.db as unknown as Loose
        await db
          .insertInto('accounts')
          .values(account('acc_l', '1784009', '1784009'))
          .execute()
        const input = { flavor: 'facebook-login', metaUserId: '1999', igUserId: '1784009' }
        assert.equal(await adoptLegacyFacebookAccount(t.store, input), true)
        assert.equal(await adoptLegacyFacebookAccount(t.store, input), false, 'once')
        const rows = await sql<{
          id: string
          meta_user_id: string
        }>`select id, meta_user_id from accounts`.execute(t.store.db)
        assert.deepEqual(rows.rows, [{ id: 'acc_l', meta_user_id: '1999' }])
      } finally {
        await t.cleanup()
      }
    })
  })
}
