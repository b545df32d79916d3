// The lease writes of a refresh: the heartbeat renews only a lease its owner still holds, and a
// refreshed token is stored only by the lease holder (the fence). Checked with raw SQL.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  claimToken,
  openToken,
  recordRefreshSuccess,
  renewLease,
  saveToken,
} from '../../src/store/index.js'
import type { StoreContext } from '../../src/store/index.js'
import { DAY, T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import { keyringK1, makeAccount } from './fixtures.js'

const ring = keyringK1()

async function raw(store: StoreContext, id: string) {
  return store.db
    .selectFrom('tokens')
    .select(['version', 'lease_owner', 'lease_until', 'ciphertext', 'key_id', 'account_id', 'kind'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

for (const dialect of TEST_DIALECTS) {
  describe(`token leases: heartbeat and fence [${dialect.name}]`, () => {
    test('renewLease extends only the holder’s lease and never takes one back', async () => {
      const t = await dialect.setup()
      try {
        const accountId = await makeAccount(t.store, T0)
        const saved = await saveToken(t.store, ring, {
          accountId,
          kind: 'instagram_long_lived',
          accessToken: fakeToken(),
          issuedAt: T0,
          expiresAt: T0 + 60 * DAY,
          nextRefreshAt: T0,
          expectedVersion: null,
          now: T0,
        })
        assert.ok(saved.saved)
        const id = saved.token.id
        assert.equal(
          await renewLease(t.store, { tokenId: id, owner: 'a', now: T0, leaseMs: 10 }),
          false,
        )
        assert.equal((await raw(t.store, id)).lease_owner, null, 'a free token is not leased')
        assert.ok(await claimToken(t.store, { tokenId: id, owner: 'a', now: T0, leaseMs: 1_000 }))
        assert.equal(
          await renewLease(t.store, { tokenId: id, owner: 'a', now: T0 + 900, leaseMs: 1_000 }),
          true,
        )
        assert.equal(Number((await raw(t.store, id)).lease_until), T0 + 1_900)
        assert.equal(
          await renewLease(t.store, { tokenId: id, owner: 'b', now: T0 + 950, leaseMs: 60_000 }),
          false,
        )
        const after = await raw(t.store, id)
        assert.equal(after.lease_owner, 'a')
        assert.equal(Number(after.lease_until), T0 + 1_900)
        await assert.rejects(
          renewLease(t.store, { tokenId: id, owner: 'a b', now: T0, leaseMs: 1 }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )
        await assert.rejects(
          renewLease(t.store, { tokenId: id, owner: 'a', now: T0, leaseMs: 0 }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )
      } finally {
        await t.cleanup()
      }
    })

    test('recordRefreshSuccess is fenced: a writer that lost the lease stores nothing', async () => {
      const t = await dialect.setup()
      try {
        const accountId = await makeAccount(t.store, T0)
        const value = fakeToken()
        const saved = await saveToken(t.store, ring, {
          accountId,
          kind: 'instagram_long_lived',
          accessToken: value,
          issuedAt: T0,
          expiresAt: T0 + 60 * DAY,
          nextRefreshAt: T0,
          expectedVersion: null,
          now: T0,
        })
        assert.ok(saved.saved)
        const id = saved.token.id
        // a held it, it lapsed, b took it.
        assert.ok(await claimToken(t.store, { tokenId: id, owner: 'a', now: T0, leaseMs: 1_000 }))
        assert.ok(
          await claimToken(t.store, { tokenId: id, owner: 'b', now: T0 + 2_000, leaseMs: 1_000 }),
        )
        const input = {
          tokenId: id,
          expectedVersion: 1,
          accessToken: fakeToken(),
          issuedAt: T0 + 3_000,
          expiresAt: T0 + 63 * DAY,
          nextRefreshAt: T0 + 18 * DAY,
          now: T0 + 3_000,
        }
        const late = await recordRefreshSuccess(t.store, ring, { ...input, owner: 'a' })
        assert.deepEqual(late, { saved: false, reason: 'lease_lost', currentVersion: 1 })
        const untouched = await raw(t.store, id)
        assert.equal(untouched.version, 1)
        assert.equal(untouched.lease_owner, 'b')
        assert.equal(openToken(ring, { id, ...untouched }).plaintext, value)

        const fresh = await recordRefreshSuccess(t.store, ring, { ...input, owner: 'b' })
        assert.ok(fresh.saved)
        const stored = await raw(t.store, id)
        assert.equal(stored.version, 2)
        assert.equal(stored.lease_owner, null)
        assert.equal(openToken(ring, { id, ...stored }).plaintext, input.accessToken)
      } finally {
        await t.cleanup()
      }
    })
  })
}
