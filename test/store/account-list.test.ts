import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  computeAccountStats,
  listAccounts,
  listAccountsWithTokens,
  saveToken,
  setAccountStatus,
} from '../../src/store/index.js'
import type { StoreContext } from '../../src/store/index.js'
import { DAY, T0, TEST_DIALECTS, fakeToken } from './dialects.js'
import { keyringK1, makeAccount } from './fixtures.js'
import { countingStore, explain } from './query-plans.js'

const KIND = 'instagram_long_lived' as const

/** n accounts, every third created at the same instant as the one before (ties for the cursor). */
async function seed(store: StoreContext, n: number): Promise<string[]> {
  const keyring = keyringK1()
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const at = T0 + (i - (i % 3 === 2 ? 1 : 0)) * 1000
    const id = await makeAccount(store, at)
    if (i % 4 !== 3) {
      await saveToken(store, keyring, {
        accountId: id,
        kind: KIND,
        accessToken: fakeToken(),
        issuedAt: at,
        expiresAt: i % 5 === 4 ? null : T0 + (i % 60) * DAY,
        nextRefreshAt: null,
        expectedVersion: 'any',
        now: at,
      })
    }
    if (i % 7 === 6) await setAccountStatus(store, id, 'revoked', null, at)
    ids.push(id)
  }
  return ids
}

for (const dialect of TEST_DIALECTS) {
  describe(`account list and counts at scale [${dialect.name}]`, () => {
    test('a page of accounts with their tokens costs two queries whatever its size', async () => {
      const t = await dialect.setup()
      try {
        await seed(t.store, 40)
        const counted = countingStore(t.store)
        for (const limit of [1, 10, 40]) {
          counted.reset()
          const page = await listAccountsWithTokens(counted, KIND, { limit })
          assert.equal(page.items.length, limit)
          assert.equal(counted.count(), 2, `limit ${limit}`)
        }
        counted.reset()
        await listAccountsWithTokens(counted, KIND, { status: 'expired' })
        assert.equal(counted.count(), 1, 'an empty page needs no token query')
      } finally {
        await t.cleanup()
      }
    })

    test('pages with ties in created_at list every account once, each with its own token', async () => {
      const t = await dialect.setup()
      try {
        const ids = await seed(t.store, 40)
        for (const status of [undefined, 'revoked'] as const) {
          const seen: string[] = []
          let cursor: string | undefined
          do {
            const page = await listAccountsWithTokens(t.store, KIND, {
              limit: 3,
              ...(status === undefined ? {} : { status }),
              ...(cursor === undefined ? {} : { cursor }),
            })
            for (const { account, token } of page.items) {
              seen.push(account.id)
              if (token !== undefined) assert.equal(token.account_id, account.id)
              assert.equal(token === undefined, ids.indexOf(account.id) % 4 === 3)
            }
            cursor = page.nextCursor
          } while (cursor !== undefined)
          const all = (await listAccounts(t.store, { limit: 500, ...(status ? { status } : {}) }))
            .items
          assert.deepEqual(
            seen,
            all.map((a) => a.id),
          )
          assert.equal(new Set(seen).size, status === undefined ? 40 : 5)
        }
      } finally {
        await t.cleanup()
      }
    })

    test('the list, its token lookup and the /metrics counts read indexes, never sort the table', async () => {
      const t = await dialect.setup()
      try {
        await seed(t.store, 10)
        const db = t.store.db
        const cursor = { createdAt: T0 + 5000, id: 'acc_x' }
        const page = db
          .selectFrom('accounts')
          .selectAll()
          .where((eb) =>
            eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)),
          )
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(101)
        const sqlite = t.store.dialect.name === 'sqlite'
        const plans: Record<
          string,
          { query: ReturnType<typeof page.compile>; index: string | readonly string[] }
        > = {
          'first page': {
            query: db
              .selectFrom('accounts')
              .selectAll()
              .orderBy('created_at', 'desc')
              .orderBy('id', 'desc')
              .limit(101)
              .compile(),
            index: 'accounts_created_at_id_index',
          },
          'page after a cursor': { query: page.compile(), index: 'accounts_created_at_id_index' },
          'filtered page': {
            query: page.where('status', '=', 'revoked').compile(),
            index: 'accounts_status_created_at_id_index',
          },
          "the page's tokens": {
            query: db
              .selectFrom('tokens')
              .selectAll()
              .where('account_id', 'in', ['acc_a', 'acc_b'])
              .where('kind', '=', KIND)
              .compile(),
            index: sqlite ? 'sqlite_autoindex_tokens_2' : 'tokens_account_id_kind_unique',
          },
          // The token API with the cache off: the account by its key, its token by (account, kind).
          'the token read': {
            query: db
              .selectFrom('accounts')
              .leftJoin('tokens', (join) =>
                join.onRef('tokens.account_id', '=', 'accounts.id').on('tokens.kind', '=', KIND),
              )
              .selectAll('accounts')
              .select(['tokens.id as token_id', 'tokens.ciphertext'])
              .where('accounts.id', '=', 'acc_x')
              .compile(),
            index: sqlite
              ? ['sqlite_autoindex_accounts_1', 'sqlite_autoindex_tokens_2']
              : ['accounts_pkey', 'tokens_account_id_kind_unique'],
          },
          // The refresh engine's batch claim (its sub-select; FOR UPDATE SKIP LOCKED on PostgreSQL).
          'the due-token claim': {
            query: t.store.dialect
              .lockForClaim(
                db
                  .selectFrom('tokens')
                  .select('id')
                  .where('next_refresh_at', '<=', T0)
                  .where((eb) =>
                    eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', T0)]),
                  )
                  .orderBy('next_refresh_at')
                  .orderBy('id')
                  .limit(100),
              )
              .compile(),
            index: 'tokens_next_refresh_at_id_index',
          },
          'a slice of accounts by status': {
            query: db
              .selectFrom('accounts')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('status', '=', 'active')
              .where('created_at', '>=', T0)
              .where('created_at', '<', T0 + DAY)
              .compile(),
            index: 'accounts_status_created_at_id_index',
          },
          'a slice of tokens by expiry': {
            query: db
              .selectFrom('tokens')
              .select('expires_at')
              .where('expires_at', 'is not', null)
              .where('expires_at', '>=', T0)
              .orderBy('expires_at')
              .limit(1)
              .offset(2000)
              .compile(),
            index: 'tokens_expires_at_id_index',
          },
          'the soonest expiring tokens': {
            query: db
              .selectFrom('tokens')
              .select(['id', 'account_id', 'expires_at'])
              .where('expires_at', 'is not', null)
              .where('kind', '!=', 'short_lived')
              .where((eb) => eb(eb.refTuple('expires_at', 'id'), '>', eb.tuple(T0, 'tok_x')))
              .orderBy('expires_at')
              .orderBy('id')
              .limit(200)
              .compile(),
            index: 'tokens_expires_at_id_index',
          },
        }
        for (const [name, { query, index }] of Object.entries(plans)) {
          const plan = await explain(t.store, query)
          for (const one of typeof index === 'string' ? [index] : index) {
            assert.ok(plan.includes(one), `${name} uses ${one}:\n${plan}`)
          }
          assert.doesNotMatch(
            plan,
            /TEMP B-TREE FOR ORDER BY|Seq Scan|^Sort|->\s+Sort/m,
            `${name}:\n${plan}`,
          )
        }
      } finally {
        await t.cleanup()
      }
    })

    test('counts for /metrics add up in small slices to what one aggregate says', async () => {
      const t = await dialect.setup()
      try {
        await seed(t.store, 40)
        const db = t.store.db
        let pauses = 0
        const days = [1, 7, 14, 30, 45, 60]
        const now = T0 + 3 * DAY
        const stats = await computeAccountStats(t.store, now, {
          expiryDays: days,
          chunkRows: 4,
          pause: () => {
            pauses++
            return Promise.resolve()
          },
        })
        assert.ok(pauses >= 10, `it yielded between slices (${pauses})`)
        const byStatus = await db
          .selectFrom('accounts')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('status')
          .execute()
        assert.deepEqual(
          stats.accountsByStatus,
          Object.fromEntries(byStatus.map((r) => [r.status, r.n])),
        )
        for (const d of days) {
          const row = await db
            .selectFrom('tokens')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('expires_at', '<=', now + d * DAY)
            .executeTakeFirstOrThrow()
          assert.equal(stats.tokensExpiringWithinDays[d], row.n, `${d} days`)
        }
        const never = await db
          .selectFrom('tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('expires_at', 'is', null)
          .executeTakeFirstOrThrow()
        assert.equal(stats.tokensNeverExpiring, never.n)
        const soonest = await db
          .selectFrom('tokens')
          .innerJoin('accounts', 'accounts.id', 'tokens.account_id')
          .select((eb) => eb.fn.min('tokens.expires_at').as('m'))
          .where('accounts.status', '=', 'active')
          .executeTakeFirstOrThrow()
        assert.equal(stats.soonestActiveExpiry, Number(soonest.m))
      } finally {
        await t.cleanup()
      }
    })
  })
}
