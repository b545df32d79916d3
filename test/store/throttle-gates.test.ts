import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { GLOBAL_THROTTLE_KEY, Throttle } from '../../src/broker/throttle.js'
import { closeThrottleGate, closedThrottleGates } from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from './dialects.js'

for (const dialect of TEST_DIALECTS) {
  describe(`throttle gates shared between instances [${dialect.name}]`, () => {
    test('bad keys are refused and nothing is stored', async () => {
      const db = await dialect.setup()
      try {
        for (const key of ['', 'has space', 'x'.repeat(201)]) {
          await assert.rejects(closeThrottleGate(db.store, key, T0 + 1000), {
            code: 'ERR_INVALID_ARG_VALUE',
          })
        }
        assert.equal((await closedThrottleGates(db.store, T0)).size, 0)
      } finally {
        await db.cleanup()
      }
    })

    test('a slow-down one instance is told reaches another; a shorter one never shortens it', async () => {
      const db = await dialect.setup()
      const other = await db.openAnother()
      try {
        let now = T0
        const clock = () => now
        const told = new Throttle(clock, db.store)
        const elsewhere = new Throttle(clock, other)
        assert.equal(elsewhere.blockedUntil(), 0)

        told.pause(GLOBAL_THROTTLE_KEY, 60_000)
        told.pause('ig:1784', 10_000)
        await told.flush()
        told.pause(GLOBAL_THROTTLE_KEY, 5_000) // shorter: ignored in memory and in the database
        await closeThrottleGate(db.store, GLOBAL_THROTTLE_KEY, T0 + 5_000)
        await told.flush()

        assert.equal(elsewhere.blockedUntil('ig:1784'), 0, 'nothing is known before a sync')
        await elsewhere.sync()
        assert.equal(elsewhere.blockedUntil(), T0 + 60_000)
        assert.equal(elsewhere.blockedUntil('ig:1784'), T0 + 60_000)

        now = T0 + 30_000
        const later = new Throttle(clock, other)
        await later.sync()
        assert.equal(later.blockedUntil('ig:1784'), T0 + 60_000, 'the app gate still holds')
        now = T0 + 61_000
        const after = new Throttle(clock, other)
        await after.sync()
        assert.equal(after.blockedUntil('ig:1784'), 0, 'opened gates are not brought back')
      } finally {
        await db.cleanup()
      }
    })
  })
}
