import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import {
  createApiKey,
  createDashboardSession,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'
import { T0, TEST_DIALECTS, fakeToken } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { countingStore } from '../store/query-plans.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const DAY = 86_400_000

for (const dialect of TEST_DIALECTS) {
  describe(`pages that list accounts cost the same queries for 3 or 30 accounts [${dialect.name}]`, () => {
    let t: TestDatabase
    let app: FastifyInstance
    let counted: ReturnType<typeof countingStore>
    let key: string
    let cookie: string
    let made = 0
    const keyring = keyringK1()

    async function addAccounts(n: number): Promise<void> {
      for (let i = 0; i < n; i++, made++) {
        const { id } = await upsertAccount(t.store, {
          flavor: 'instagram-login',
          metaUserId: String(17841400000000000n + BigInt(made)),
          igUserId: null,
          username: `user_${made}`,
          scopes: ['instagram_business_basic'],
          now: T0 + made * 1000,
        })
        await saveToken(t.store, keyring, {
          accountId: id,
          kind: 'instagram_long_lived',
          accessToken: fakeToken(),
          issuedAt: T0,
          expiresAt: T0 + (10 + made) * DAY,
          nextRefreshAt: null,
          expectedVersion: 'any',
          now: T0,
        })
      }
    }

    async function queriesFor(url: string, headers: Record<string, string>): Promise<number> {
      counted.reset()
      const res = await app.inject({ url, headers })
      assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
      return counted.count()
    }

    before(async () => {
      t = await dialect.setup()
      counted = countingStore(t.store)
      const store: Store = { ...counted, close: () => t.store.close() }
      const ctx = offlineContext(store, keyring, () => T0 + DAY)
      app = await buildApp({
        ctx,
        demo: true,
        logStream: discardLogs(),
      })
      key = (await createApiKey(t.store, { name: 'test', now: T0 })).key
      cookie = `igtoken_session=${(await createDashboardSession(t.store, { ttlMs: DAY, now: T0 + DAY - 1 })).token}`
    })
    after(async () => {
      await app.close()
      await t.cleanup()
    })

    test('account list API, dashboard list and home page: no query per account', async () => {
      const pages: [string, Record<string, string>][] = [
        ['/api/v1/accounts?limit=100', { authorization: `Bearer ${key}` }],
        ['/api/v1/accounts?limit=100&status=active', { authorization: `Bearer ${key}` }],
        ['/dashboard', { cookie }],
        ['/dashboard?status=active', { cookie }],
        ['/', {}],
      ]
      await addAccounts(3)
      const few: number[] = []
      for (const [url, headers] of pages) {
        await queriesFor(url, headers) // warm: the API key check is cached afterwards
        few.push(await queriesFor(url, headers))
      }
      await addAccounts(27)
      for (const [i, [url, headers]] of pages.entries()) {
        assert.equal(await queriesFor(url, headers), few[i], url)
      }
      const list = await app.inject({
        url: '/api/v1/accounts?limit=100',
        headers: { authorization: `Bearer ${key}` },
      })
      const body = list.json<{ data: { expires_at: string | null }[] }>()
      assert.equal(body.data.length, 30)
      assert.ok(
        body.data.every((a) => a.expires_at !== null),
        'each account shows its token',
      )
    })

    test('a /metrics scrape within the counts’ maximum age queries nothing', async () => {
      const first = await app.inject({ url: '/metrics' })
      assert.equal(first.statusCode, 200)
      assert.match(first.body, /^igtoken_accounts_by_status\{status="active"\} \d+$/m)
      counted.reset()
      const second = await app.inject({ url: '/metrics' })
      assert.equal(second.statusCode, 200)
      assert.equal(counted.count(), 0)
      assert.match(second.body, /^igtoken_account_stats_age_seconds \d+$/m)
    })
  })
}
