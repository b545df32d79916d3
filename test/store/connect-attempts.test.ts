import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  consumeConnectAttempt,
  createConnectAttempt,
  purgeConnectAttempts,
  randomToken,
  setConnectAttemptOutcome,
  sha256Hex,
} from '../../src/store/index.js'
import type { CreateConnectAttemptInput } from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from './dialects.js'

function attempt(overrides: Partial<CreateConnectAttemptInput> = {}): CreateConnectAttemptInput {
  return {
    state: randomToken(),
    browserBinding: randomToken(),
    flavor: 'instagram_login',
    returnTo: '/accounts',
    scopes: ['instagram_business_basic'],
    label: null,
    now: T0,
    ttlMs: 600_000,
    ...overrides,
  }
}

for (const dialect of TEST_DIALECTS) {
  describe(`connect attempts [${dialect.name}]`, () => {
    test('bad input is refused', async () => {
      const t = await dialect.setup()
      try {
        for (const patch of [{ state: 'short' }, { ttlMs: 0 }, { flavor: 'X' }]) {
          await assert.rejects(createConnectAttempt(t.store, attempt(patch)), {
            code: 'ERR_INVALID_ARG_VALUE',
          })
        }
        assert.equal(
          (await t.store.db.selectFrom('connect_attempts').selectAll().execute()).length,
          0,
        )
      } finally {
        await t.cleanup()
      }
    })

    test('unknown state', async () => {
      const t = await dialect.setup()
      try {
        await createConnectAttempt(t.store, attempt())
        assert.deepEqual(
          await consumeConnectAttempt(t.store, {
            state: randomToken(),
            browserBinding: randomToken(),
            now: T0,
          }),
          { ok: false, reason: 'unknown' },
        )
      } finally {
        await t.cleanup()
      }
    })

    test('wrong browser is refused and does not burn the attempt', async () => {
      const t = await dialect.setup()
      try {
        const input = attempt()
        await createConnectAttempt(t.store, input)
        assert.deepEqual(
          await consumeConnectAttempt(t.store, {
            state: input.state,
            browserBinding: randomToken(),
            now: T0 + 1,
          }),
          { ok: false, reason: 'browser_mismatch' },
        )
        const ok = await consumeConnectAttempt(t.store, { ...input, now: T0 + 2 })
        assert.equal(ok.ok, true)
      } finally {
        await t.cleanup()
      }
    })

    test('expired', async () => {
      const t = await dialect.setup()
      try {
        const input = attempt({ ttlMs: 1000 })
        await createConnectAttempt(t.store, input)
        assert.deepEqual(await consumeConnectAttempt(t.store, { ...input, now: T0 + 1000 }), {
          ok: false,
          reason: 'expired',
        })
      } finally {
        await t.cleanup()
      }
    })

    test('consumed once: the second use is "used", even when racing', async () => {
      const t = await dialect.setup()
      try {
        const input = attempt({ label: 'Shop' })
        const created = await createConnectAttempt(t.store, input)
        assert.equal(created.state_hash, sha256Hex(input.state))
        assert.equal(created.browser_hash, sha256Hex(input.browserBinding))

        const other = await t.openAnother()
        const results = await Promise.all([
          consumeConnectAttempt(t.store, { ...input, now: T0 + 5 }),
          consumeConnectAttempt(other, { ...input, now: T0 + 5 }),
          consumeConnectAttempt(t.store, { ...input, now: T0 + 5 }),
        ])
        const winners = results.filter((r) => r.ok)
        assert.equal(winners.length, 1)
        assert.deepEqual(
          results.filter((r) => !r.ok),
          [
            { ok: false, reason: 'used' },
            { ok: false, reason: 'used' },
          ],
        )
        const [winner] = winners
        assert.ok(winner?.ok)
        assert.equal(winner.attempt.id, created.id)
        assert.equal(winner.attempt.used_at, T0 + 5)
        assert.equal(winner.attempt.label, 'Shop')
        assert.deepEqual(await consumeConnectAttempt(t.store, { ...input, now: T0 + 6 }), {
          ok: false,
          reason: 'used',
        })

        await assert.rejects(setConnectAttemptOutcome(t.store, created.id, 'Bad Outcome'), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
        assert.equal(await setConnectAttemptOutcome(t.store, created.id, 'connected'), true)
        assert.equal(await purgeConnectAttempts(t.store, T0 + 600_000), 0)
        assert.equal(await purgeConnectAttempts(t.store, T0 + 600_001), 1)
      } finally {
        await t.cleanup()
      }
    })

    test('the raw state and browser binding are never stored', async () => {
      const t = await dialect.setup()
      try {
        const input = attempt()
        await createConnectAttempt(t.store, input)
        const rows = JSON.stringify(
          await t.store.db.selectFrom('connect_attempts').selectAll().execute(),
        )
        assert.ok(!rows.includes(input.state))
        assert.ok(!rows.includes(input.browserBinding))
      } finally {
        await t.cleanup()
      }
    })
  })
}
