import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  appendEvent,
  createDeletionRequest,
  getDeletionRequestByCode,
  listEventsByAccount,
  markDeletionCompleted,
  markDeletionRequest,
} from '../../src/store/index.js'
import type { EventType, EventDetail } from '../../src/store/index.js'
import { T0, TEST_DIALECTS, fakeToken } from './dialects.js'

for (const dialect of TEST_DIALECTS) {
  describe(`events [${dialect.name}]`, () => {
    test('a detail that could hold a token is refused and nothing is written', async () => {
      const t = await dialect.setup()
      try {
        const token = fakeToken()
        const bad: EventDetail[] = [
          { access_token: 'x' },
          { Token: 'x' },
          { client_secret: 'x' },
          { code: 'x' },
          { message: `refresh failed for ${token}` },
          { nested: { a: 1 } as unknown as string },
          { 'bad key': 1 },
        ]
        for (const detail of bad) {
          await assert.rejects(
            appendEvent(t.store, { type: 'token.refreshed', accountId: 'acc_a', detail, now: T0 }),
            (error: unknown) => {
              assert.equal((error as { code?: string }).code, 'ERR_INVALID_ARG_VALUE')
              assert.ok(!(error as Error).message.includes(token))
              return true
            },
          )
        }
        // Outside the one vocabulary, even when well formed.
        for (const type of ['Connected', 'token.expired', 'deletion.recorded']) {
          await assert.rejects(
            appendEvent(t.store, { type: type as EventType, accountId: 'acc_a', now: T0 }),
            { code: 'ERR_INVALID_ARG_VALUE' },
          )
        }
        assert.deepEqual((await listEventsByAccount(t.store, 'acc_a')).items, [])
      } finally {
        await t.cleanup()
      }
    })

    test('append and list newest first with paging', async () => {
      const t = await dialect.setup()
      try {
        for (let i = 0; i < 5; i++) {
          await appendEvent(t.store, {
            type: i === 0 ? 'account.connected' : 'token.refreshed',
            accountId: 'acc_a',
            detail: { n: i, expires_at: T0 + i, ok: true, note: null },
            now: T0 + i,
          })
        }
        await appendEvent(t.store, { type: 'account.connected', accountId: 'acc_b', now: T0 })
        const page1 = await listEventsByAccount(t.store, 'acc_a', { limit: 3 })
        assert.deepEqual(
          page1.items.map((e) => e.detail['n']),
          [4, 3, 2],
        )
        assert.ok(page1.nextCursor)
        const page2 = await listEventsByAccount(t.store, 'acc_a', {
          limit: 3,
          cursor: page1.nextCursor,
        })
        assert.deepEqual(
          page2.items.map((e) => [e.type, e.detail['n'], e.createdAt]),
          [
            ['token.refreshed', 1, T0 + 1],
            ['account.connected', 0, T0],
          ],
        )
        assert.equal(page2.nextCursor, undefined)
        assert.deepEqual(page2.items[1]?.detail, { n: 0, expires_at: T0, ok: true, note: null })
      } finally {
        await t.cleanup()
      }
    })
  })

  describe(`deletion requests [${dialect.name}]`, () => {
    test('bad input is refused; unknown code is not found', async () => {
      const t = await dialect.setup()
      try {
        await assert.rejects(
          createDeletionRequest(t.store, { metaUserId: '', source: 'meta', now: T0 }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )
        await assert.rejects(
          createDeletionRequest(t.store, {
            metaUserId: '1',
            source: 'email' as 'meta',
            now: T0,
          }),
          { code: 'ERR_INVALID_ARG_VALUE' },
        )
        assert.equal(await getDeletionRequestByCode(t.store, 'nope'), undefined)
        assert.equal(await getDeletionRequestByCode(t.store, "x' or 1=1 --"), undefined)
        assert.equal(await markDeletionCompleted(t.store, 'del_nope', T0), false)
      } finally {
        await t.cleanup()
      }
    })

    test('create, find by code, complete; codes are unique and URL-safe', async () => {
      const t = await dialect.setup()
      try {
        const a = await createDeletionRequest(t.store, {
          metaUserId: '17841400000000001',
          source: 'meta',
          now: T0,
        })
        const b = await createDeletionRequest(t.store, {
          metaUserId: '17841400000000001',
          source: 'manual',
          now: T0,
        })
        assert.match(a.confirmation_code, /^[A-Za-z0-9_-]{22}$/)
        assert.notEqual(a.confirmation_code, b.confirmation_code)
        assert.equal(a.status, 'received')
        assert.equal(await markDeletionCompleted(t.store, a.id, T0 + 5, '1 account deleted'), true)
        assert.deepEqual(await getDeletionRequestByCode(t.store, a.confirmation_code), {
          ...a,
          status: 'completed',
          completed_at: T0 + 5,
          detail: '1 account deleted',
        })
        const secret = fakeToken()
        assert.equal(
          await markDeletionRequest(t.store, {
            id: b.id,
            status: 'failed',
            detail: `upstream said ${secret}`,
            now: T0 + 6,
          }),
          true,
        )
        const failed = await getDeletionRequestByCode(t.store, b.confirmation_code)
        assert.ok(failed)
        assert.equal(failed.status, 'failed')
        assert.equal(failed.completed_at, null)
        assert.equal(failed.detail, 'upstream said [redacted]')
      } finally {
        await t.cleanup()
      }
    })
  })
}
