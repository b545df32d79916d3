import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  appendEvent,
  deleteAccount,
  deleteEverythingAboutMetaUser,
  getAccount,
  getToken,
  listAccounts,
  listEventsByAccount,
  saveToken,
  setAccountStatus,
  upsertAccount,
} from '../../src/store/index.js'
import type { UpsertAccountInput } from '../../src/store/index.js'
import { T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import { keyringK1, makeAccount } from './fixtures.js'

const base: UpsertAccountInput = {
  flavor: 'instagram_login',
  metaUserId: '17841400000000001',
  igUserId: '17841499999999999',
  username: 'coffee.shop',
  scopes: ['instagram_business_basic', 'instagram_business_basic'],
  label: 'Main shop',
  now: T0,
}

for (const dialect of TEST_DIALECTS) {
  describe(`accounts [${dialect.name}]`, () => {
    test('bad input is refused and writes nothing', async () => {
      const t = await dialect.setup()
      try {
        for (const patch of [
          { flavor: 'Instagram Login' },
          { metaUserId: '' },
          { metaUserId: 'a b' },
          { scopes: ['has space'] },
          { now: -5 },
        ]) {
          await assert.rejects(upsertAccount(t.store, { ...base, ...patch }), {
            code: 'ERR_INVALID_ARG_VALUE',
          })
        }
        assert.deepEqual((await listAccounts(t.store)).items, [])
        await assert.rejects(setAccountStatus(t.store, 'acc_x', 'deleted' as 'revoked', null, T0), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
        await assert.rejects(listAccounts(t.store, { cursor: 'nonsense!' }), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
        await assert.rejects(listAccounts(t.store, { limit: 0 }), { code: 'ERR_INVALID_ARG_VALUE' })
      } finally {
        await t.cleanup()
      }
    })

    test('upsert twice gives one account, updated and re-activated', async () => {
      const t = await dialect.setup()
      try {
        const first = await upsertAccount(t.store, base)
        assert.equal(first.created, true)
        assert.match(first.id, /^acc_[A-Za-z0-9_-]{22}$/)
        assert.equal(
          await setAccountStatus(t.store, first.id, 'needs_reauth', 'META_190', T0 + 1),
          true,
        )

        const second = await upsertAccount(t.store, {
          ...base,
          username: 'coffee.shop.new',
          scopes: ['instagram_business_basic', 'instagram_business_manage_messages'],
          now: T0 + 10,
        })
        assert.deepEqual(second, { id: first.id, created: false })
        const { items } = await listAccounts(t.store)
        assert.equal(items.length, 1)
        assert.deepEqual(await getAccount(t.store, first.id), {
          id: first.id,
          meta_user_id: base.metaUserId,
          ig_user_id: base.igUserId,
          username: 'coffee.shop.new',
          flavor: 'instagram_login',
          scopes: 'instagram_business_basic,instagram_business_manage_messages',
          status: 'active',
          label: 'Main shop',
          status_reason: null,
          created_at: T0,
          updated_at: T0 + 10,
          connected_at: T0 + 10,
        })
        // Another flavor with the same id is another account.
        const other = await upsertAccount(t.store, { ...base, flavor: 'facebook_login' })
        assert.equal(other.created, true)
        assert.notEqual(other.id, first.id)
      } finally {
        await t.cleanup()
      }
    })

    test('list filters by status and pages with a cursor', async () => {
      const t = await dialect.setup()
      try {
        const ids: string[] = []
        for (let i = 0; i < 7; i++) ids.push(await makeAccount(t.store, T0 + i))
        await setAccountStatus(t.store, ids[1]!, 'revoked', 'deauthorized', T0 + 100)
        await setAccountStatus(t.store, ids[4]!, 'needs_reauth', 'META_190', T0 + 100)

        const seen: string[] = []
        let cursor: string | undefined
        for (;;) {
          const page = await listAccounts(t.store, {
            limit: 2,
            ...(cursor === undefined ? {} : { cursor }),
          })
          seen.push(...page.items.map((a) => a.id))
          if (page.nextCursor === undefined) break
          cursor = page.nextCursor
        }
        assert.deepEqual(seen, [...ids].reverse())

        const active = await listAccounts(t.store, { status: 'active' })
        assert.equal(active.items.length, 5)
        const troubled = await listAccounts(t.store, { status: ['revoked', 'needs_reauth'] })
        assert.deepEqual(
          troubled.items.map((a) => [a.id, a.status, a.status_reason]),
          [
            [ids[4], 'needs_reauth', 'META_190'],
            [ids[1], 'revoked', 'deauthorized'],
          ],
        )
      } finally {
        await t.cleanup()
      }
    })

    test('deleting an account cascades to tokens and keeps events', async () => {
      const t = await dialect.setup()
      try {
        const id = await makeAccount(t.store, T0)
        await saveToken(t.store, keyringK1(), {
          accountId: id,
          kind: 'instagram_long_lived',
          accessToken: fakeToken(),
          issuedAt: T0,
          expiresAt: null,
          nextRefreshAt: null,
          expectedVersion: null,
          now: T0,
        })
        await appendEvent(t.store, { type: 'account.connected', accountId: id, now: T0 })
        assert.equal(await deleteAccount(t.store, 'acc_nobody'), false)
        assert.equal(await deleteAccount(t.store, id), true)
        assert.equal(await getAccount(t.store, id), undefined)
        assert.equal(await getToken(t.store, id, 'instagram_long_lived'), undefined)
        assert.equal((await listEventsByAccount(t.store, id)).items.length, 1)
      } finally {
        await t.cleanup()
      }
    })

    test('delete everything about a meta user: accounts, tokens, events; others untouched', async () => {
      const t = await dialect.setup()
      try {
        const ring = keyringK1()
        const victim = '17841400000000042'
        const a = await makeAccount(t.store, T0, victim)
        const b = (
          await upsertAccount(t.store, { ...base, flavor: 'facebook_login', metaUserId: victim })
        ).id
        const keep = await makeAccount(t.store, T0)
        for (const accountId of [a, b, keep]) {
          await saveToken(t.store, ring, {
            accountId,
            kind: 'instagram_long_lived',
            accessToken: fakeToken(),
            issuedAt: T0,
            expiresAt: null,
            nextRefreshAt: null,
            expectedVersion: null,
            now: T0,
          })
          await appendEvent(t.store, { type: 'account.connected', accountId, now: T0 })
        }
        await appendEvent(t.store, { type: 'account.revoked', metaUserId: victim, now: T0 })

        const none = await deleteEverythingAboutMetaUser(t.store, '999')
        assert.deepEqual(none, { accountIds: [], accounts: 0, events: 0 })

        const result = await deleteEverythingAboutMetaUser(t.store, victim)
        assert.deepEqual([...result.accountIds].sort(), [a, b].sort())
        assert.equal(result.accounts, 2)
        assert.equal(result.events, 3)
        for (const id of [a, b]) {
          assert.equal(await getAccount(t.store, id), undefined)
          assert.equal(await getToken(t.store, id, 'instagram_long_lived'), undefined)
          assert.deepEqual((await listEventsByAccount(t.store, id)).items, [])
        }
        const remaining = await t.store.db
          .selectFrom('events')
          .select(['account_id', 'meta_user_id'])
          .execute()
        assert.deepEqual(remaining, [{ account_id: keep, meta_user_id: null }])
        assert.ok(await getToken(t.store, keep, 'instagram_long_lived'))
      } finally {
        await t.cleanup()
      }
    })
  })
}
