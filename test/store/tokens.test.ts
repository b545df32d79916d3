import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  claimDueTokens,
  findDueTokens,
  getToken,
  getTokenById,
  openToken,
  recordRefreshFailure,
  recordRefreshSuccess,
  releaseLease,
  saveToken,
} from '../../src/store/index.js'
import type { SaveTokenInput, StoreContext, TokenRow } from '../../src/store/index.js'
import { DAY, T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import { keyringK1, makeAccount } from './fixtures.js'
import { runWorker } from './workers/run-worker.js'

const ring = keyringK1()

async function seed(
  store: StoreContext,
  overrides: Partial<SaveTokenInput> = {},
): Promise<{ token: TokenRow; value: string }> {
  const accountId = overrides.accountId ?? (await makeAccount(store, T0))
  const value = overrides.accessToken ?? fakeToken()
  const result = await saveToken(store, ring, {
    accountId,
    kind: 'instagram_long_lived',
    accessToken: value,
    issuedAt: T0,
    expiresAt: T0 + 60 * DAY,
    nextRefreshAt: T0 + 50 * DAY,
    expectedVersion: null,
    now: T0,
    ...overrides,
  })
  assert.ok(result.saved)
  return { token: result.token, value }
}

for (const dialect of TEST_DIALECTS) {
  describe(`tokens [${dialect.name}]`, () => {
    test('bad input is refused and writes nothing', async () => {
      const t = await dialect.setup()
      try {
        const accountId = await makeAccount(t.store, T0)
        const base: SaveTokenInput = {
          accountId,
          kind: 'instagram_long_lived',
          accessToken: fakeToken(),
          issuedAt: T0,
          expiresAt: null,
          nextRefreshAt: null,
          expectedVersion: null,
          now: T0,
        }
        const bad: Partial<Record<keyof SaveTokenInput, unknown>>[] = [
          { kind: 'password' },
          { accessToken: '' },
          { issuedAt: -1 },
          { expiresAt: 1.5 },
          { expectedVersion: 0 },
          { now: Number.NaN },
        ]
        for (const patch of bad) {
          await assert.rejects(
            saveToken(t.store, ring, { ...base, ...patch } as SaveTokenInput),
            { code: 'ERR_INVALID_ARG_VALUE' },
            JSON.stringify(patch),
          )
        }
        assert.equal(await getToken(t.store, accountId, 'instagram_long_lived'), undefined)
        await assert.rejects(
          saveToken(t.store, ring, { ...base, accountId: 'acc_missing' }),
          /FOREIGN KEY|foreign key/,
        )
      } finally {
        await t.cleanup()
      }
    })

    test('optimistic version: a stale write is refused and the newer token stays', async () => {
      const t = await dialect.setup()
      try {
        const { token } = await seed(t.store)
        assert.equal(token.version, 1)
        // Two refreshes both started from version 1; the first one wins.
        const newer = fakeToken()
        const first = await saveToken(t.store, ring, {
          accountId: token.account_id,
          kind: token.kind,
          accessToken: newer,
          issuedAt: T0 + DAY,
          expiresAt: T0 + 61 * DAY,
          nextRefreshAt: T0 + 51 * DAY,
          expectedVersion: 1,
          now: T0 + DAY,
        })
        assert.ok(first.saved)
        assert.equal(first.token.version, 2)
        assert.equal(first.token.id, token.id)

        const late = await saveToken(t.store, ring, {
          accountId: token.account_id,
          kind: token.kind,
          accessToken: fakeToken(),
          issuedAt: T0 + 2 * DAY,
          expiresAt: T0 + 62 * DAY,
          nextRefreshAt: null,
          expectedVersion: 1,
          now: T0 + 2 * DAY,
        })
        assert.deepEqual(late, { saved: false, reason: 'version_conflict', currentVersion: 2 })
        const lateSuccess = await recordRefreshSuccess(t.store, ring, {
          tokenId: token.id,
          owner: 'a',
          expectedVersion: 1,
          accessToken: fakeToken(),
          issuedAt: T0 + 2 * DAY,
          expiresAt: T0 + 62 * DAY,
          nextRefreshAt: null,
          now: T0 + 2 * DAY,
        })
        assert.deepEqual(lateSuccess, {
          saved: false,
          reason: 'version_conflict',
          currentVersion: 2,
        })
        const insertAgain = await saveToken(t.store, ring, {
          accountId: token.account_id,
          kind: token.kind,
          accessToken: fakeToken(),
          issuedAt: T0,
          expiresAt: null,
          nextRefreshAt: null,
          expectedVersion: null,
          now: T0,
        })
        assert.deepEqual(insertAgain, {
          saved: false,
          reason: 'version_conflict',
          currentVersion: 2,
        })

        const stored = await getToken(t.store, token.account_id, token.kind)
        assert.ok(stored)
        assert.equal(stored.version, 2)
        assert.equal(stored.expires_at, T0 + 61 * DAY)
        assert.deepEqual(openToken(ring, stored), { plaintext: newer, renew: false })
      } finally {
        await t.cleanup()
      }
    })

    test('expected version on a missing token is a conflict; "any" overwrites', async () => {
      const t = await dialect.setup()
      try {
        const accountId = await makeAccount(t.store, T0)
        const input: SaveTokenInput = {
          accountId,
          kind: 'facebook_page',
          accessToken: fakeToken(),
          issuedAt: T0,
          expiresAt: null,
          nextRefreshAt: null,
          expectedVersion: 3,
          now: T0,
        }
        assert.deepEqual(await saveToken(t.store, ring, input), {
          saved: false,
          reason: 'version_conflict',
          currentVersion: null,
        })
        const a = await saveToken(t.store, ring, { ...input, expectedVersion: 'any' })
        assert.ok(a.saved)
        const value = fakeToken()
        const b = await saveToken(t.store, ring, {
          ...input,
          accessToken: value,
          expectedVersion: 'any',
        })
        assert.ok(b.saved)
        assert.equal(b.token.version, 2)
        assert.equal(openToken(ring, b.token).plaintext, value)
      } finally {
        await t.cleanup()
      }
    })

    test('refresh failure keeps the token, counts attempts, redacts, frees the lease', async () => {
      const t = await dialect.setup()
      try {
        const { token, value } = await seed(t.store, { nextRefreshAt: T0 })
        const [claimed] = await claimDueTokens(t.store, {
          owner: 'a',
          now: T0,
          leaseMs: 60_000,
          limit: 10,
        })
        assert.equal(claimed?.id, token.id)

        // A lease loser records nothing.
        assert.equal(
          await recordRefreshFailure(t.store, {
            tokenId: token.id,
            owner: 'b',
            errorCode: 'IGB_X',
            errorMessage: 'x',
            nextRefreshAt: null,
            now: T0,
          }),
          undefined,
        )
        await assert.rejects(
          recordRefreshFailure(t.store, {
            tokenId: token.id,
            owner: 'a',
            errorCode: 'has spaces',
            errorMessage: 'x',
            nextRefreshAt: null,
            now: T0,
          }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )

        const failed = await recordRefreshFailure(t.store, {
          tokenId: token.id,
          owner: 'a',
          errorCode: 'META_190',
          errorMessage: `Error validating access token ${value} has expired`,
          nextRefreshAt: T0 + 3_600_000,
          now: T0 + 1000,
        })
        assert.ok(failed)
        assert.equal(failed.attempts, 1)
        assert.equal(failed.last_error_code, 'META_190')
        assert.equal(
          failed.last_error_message,
          'Error validating access token [redacted] has expired',
        )
        assert.equal(failed.last_error_at, T0 + 1000)
        assert.equal(failed.lease_owner, null)
        assert.equal(failed.version, 1)
        assert.equal(failed.ciphertext, token.ciphertext)
        assert.equal(openToken(ring, failed).plaintext, value)

        // Then a success resets the counters and releases the lease.
        const [again] = await claimDueTokens(t.store, {
          owner: 'a',
          now: T0 + 3_600_000,
          leaseMs: 60_000,
          limit: 10,
        })
        assert.equal(again?.id, token.id)
        const fresh = fakeToken()
        const ok = await recordRefreshSuccess(t.store, ring, {
          tokenId: token.id,
          owner: 'a',
          expectedVersion: 1,
          accessToken: fresh,
          issuedAt: T0 + 3_600_000,
          expiresAt: T0 + 61 * DAY,
          nextRefreshAt: T0 + 51 * DAY,
          now: T0 + 3_600_000,
        })
        assert.ok(ok.saved)
        assert.equal(ok.token.version, 2)
        assert.equal(ok.token.attempts, 0)
        assert.equal(ok.token.last_error_code, null)
        assert.equal(ok.token.refreshed_at, T0 + 3_600_000)
        assert.equal(ok.token.lease_owner, null)
        assert.equal(openToken(ring, ok.token).plaintext, fresh)
      } finally {
        await t.cleanup()
      }
    })

    test('claim: not-yet-due is not claimed, leased rows are skipped until the lease lapses', async () => {
      const t = await dialect.setup()
      try {
        const accountId = await makeAccount(t.store, T0)
        const due = await seed(t.store, { accountId, nextRefreshAt: T0 - 1 })
        await seed(t.store, { accountId, kind: 'facebook_page', nextRefreshAt: T0 + 10_000 })
        await seed(t.store, { accountId, kind: 'short_lived', nextRefreshAt: null })

        await assert.rejects(
          claimDueTokens(t.store, { owner: 'bad owner', now: T0, leaseMs: 1, limit: 1 }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )
        await assert.rejects(
          claimDueTokens(t.store, { owner: 'a', now: T0, leaseMs: 0, limit: 1 }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )

        assert.deepEqual(
          (await findDueTokens(t.store, { now: T0 })).map((r) => r.id),
          [due.token.id],
        )
        const a = await claimDueTokens(t.store, { owner: 'a', now: T0, leaseMs: 1000, limit: 10 })
        assert.deepEqual(
          a.map((r) => [r.id, r.lease_owner, r.lease_until]),
          [[due.token.id, 'a', T0 + 1000]],
        )
        // Held: nobody else gets it, even the same owner.
        assert.deepEqual(
          await claimDueTokens(t.store, { owner: 'b', now: T0 + 999, leaseMs: 1000, limit: 10 }),
          [],
        )
        // Lapsed: re-claimed by someone else; the first owner can no longer release it.
        const b = await claimDueTokens(t.store, {
          owner: 'b',
          now: T0 + 1000,
          leaseMs: 1000,
          limit: 10,
        })
        assert.deepEqual(
          b.map((r) => [r.id, r.lease_owner]),
          [[due.token.id, 'b']],
        )
        assert.equal(await releaseLease(t.store, { tokenId: due.token.id, owner: 'a' }), false)
        assert.equal(await releaseLease(t.store, { tokenId: due.token.id, owner: 'b' }), true)
        const released = await getTokenById(t.store, due.token.id)
        assert.ok(released)
        assert.equal(released.lease_owner, null)
        assert.equal(released.lease_until, null)
        // The found-but-not-yet-due row becomes claimable when its time comes.
        const later = await claimDueTokens(t.store, {
          owner: 'c',
          now: T0 + 10_000,
          leaseMs: 1000,
          limit: 10,
        })
        assert.equal(later.length, 2)
        assert.deepEqual(
          later.map((r) => r.kind),
          ['instagram_long_lived', 'facebook_page'],
        )
      } finally {
        await t.cleanup()
      }
    })

    test('claim honours the limit, earliest first', async () => {
      const t = await dialect.setup()
      try {
        const ids: string[] = []
        for (let i = 0; i < 5; i++) {
          ids.push((await seed(t.store, { nextRefreshAt: T0 - 100 + i * 10 })).token.id)
        }
        const first = await claimDueTokens(t.store, { owner: 'a', now: T0, leaseMs: 10, limit: 2 })
        assert.deepEqual(
          first.map((r) => r.id),
          ids.slice(0, 2),
        )
        const rest = await claimDueTokens(t.store, { owner: 'a', now: T0, leaseMs: 10, limit: 50 })
        assert.deepEqual(
          rest.map((r) => r.id),
          ids.slice(2),
        )
      } finally {
        await t.cleanup()
      }
    })

    test('two connections claiming concurrently never get the same token', async () => {
      const t = await dialect.setup()
      try {
        const all = new Set<string>()
        for (let i = 0; i < 60; i++) all.add((await seed(t.store, { nextRefreshAt: T0 })).token.id)
        const other = await t.openAnother()
        const claim = async (store: StoreContext, owner: string) => {
          const got: string[] = []
          for (;;) {
            const rows = await claimDueTokens(store, { owner, now: T0, leaseMs: 60_000, limit: 2 })
            if (rows.length === 0) return got
            got.push(...rows.map((r) => r.id))
          }
        }
        const [a, b] = await Promise.all([claim(t.store, 'a'), claim(other, 'b')])
        assert.equal(a.length + b.length, all.size)
        assert.deepEqual(new Set([...a, ...b]), all)
        assert.ok(a.length > 0 && b.length > 0, 'both connections took part')
      } finally {
        await t.cleanup()
      }
    })

    test('two threads claiming at the same moment never get the same token', async () => {
      const t = await dialect.setup()
      try {
        const all = new Set<string>()
        for (let i = 0; i < 300; i++) {
          all.add((await seed(t.store, { nextRefreshAt: T0 })).token.id)
        }
        const barrier = new SharedArrayBuffer(4)
        const job = { url: t.url, task: 'claim-all', now: T0, batch: 3, barrier, parties: 2 }
        const [a, b] = await Promise.all([
          runWorker<string[]>({ ...job, owner: 'worker-a' }),
          runWorker<string[]>({ ...job, owner: 'worker-b' }),
        ])
        assert.equal(a.length + b.length, all.size, 'no row claimed twice')
        assert.deepEqual(new Set([...a, ...b]), all)
      } finally {
        await t.cleanup()
      }
    })
  })
}
