import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  decideRefresh,
  isExpiring,
  nextRefreshAt,
  retryAt,
  retryPending,
} from '../../src/broker/refresh-policy.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = 1_800_000_000_000
const ig = { kind: 'instagram_long_lived' as const, issuedAt: T0, expiresAt: T0 + 60 * DAY }

describe('refresh policy', () => {
  test('a failed token waits for the attempt retryAt set; a due one or one that never failed does not', () => {
    const next = retryAt(ig, 1, T0 + DAY, 0.5, null)
    assert.ok(next !== null)
    assert.equal(retryPending({ lastErrorAt: T0 + DAY, nextRefreshAt: next }, next - 1), true)
    assert.equal(retryPending({ lastErrorAt: T0 + DAY, nextRefreshAt: next }, next), false)
    assert.equal(retryPending({ lastErrorAt: null, nextRefreshAt: next }, next - 1), false)
    assert.equal(retryPending({ lastErrorAt: T0 + DAY, nextRefreshAt: null }, next - 1), false)
  })

  test('never before 24 hours, even with a tiny refresh window', () => {
    assert.deepEqual(decideRefresh(ig, T0 + HOUR), { action: 'wait', until: T0 + DAY })
    const young = nextRefreshAt(ig, 0, { refreshWhenDaysLeft: 59.99 })
    assert.equal(young, T0 + DAY)
  })

  test('past expiry is expired; short-lived tokens are left alone', () => {
    assert.deepEqual(decideRefresh(ig, T0 + 60 * DAY), { action: 'expire' })
    assert.deepEqual(decideRefresh({ ...ig, kind: 'short_lived' }, T0), { action: 'none' })
    assert.equal(nextRefreshAt({ ...ig, kind: 'short_lived' }, 0.5), null)
  })

  test('Instagram and Basic Display: due when 45 of 60 days remain, jittered over 12 hours', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (jitter) => {
        for (const kind of ['instagram_long_lived', 'basic_display_long_lived'] as const) {
          const at = nextRefreshAt({ ...ig, kind }, jitter) ?? 0
          assert.ok(at >= T0 + 15 * DAY && at < T0 + 15 * DAY + 12 * HOUR)
        }
      }),
    )
    assert.deepEqual(decideRefresh(ig, T0 + 15 * DAY), { action: 'refresh' })
  })

  test('Facebook user tokens: warned a week before expiry; Page tokens: checked daily', () => {
    const user = {
      kind: 'facebook_user_long_lived' as const,
      issuedAt: T0,
      expiresAt: T0 + 60 * DAY,
    }
    assert.equal(nextRefreshAt(user, 0.7), T0 + 53 * DAY)
    assert.deepEqual(decideRefresh(user, T0 + 53 * DAY), { action: 'warn', nextAt: T0 + 60 * DAY })
    assert.deepEqual(decideRefresh(user, T0 + DAY), { action: 'wait', until: T0 + 53 * DAY })
    const page = { kind: 'facebook_page' as const, issuedAt: T0, expiresAt: null }
    assert.equal(nextRefreshAt(page, 0), T0 + DAY)
    assert.deepEqual(decideRefresh(page, T0 + DAY), { action: 'inspect' })
  })

  test('retries back off exponentially, honour Meta’s wait, and always land before expiry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 60 * DAY - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 10 * DAY })),
        (attempts, elapsed, jitter, retryAfter) => {
          const now = T0 + elapsed
          const at = retryAt(ig, attempts, now, jitter, retryAfter)
          assert.ok(at !== null && at > now && at <= ig.expiresAt)
          if (at < ig.expiresAt - 5 * 60_000) assert.ok(at - now >= (retryAfter ?? 0))
        },
      ),
    )
    assert.equal(retryAt(ig, 1, ig.expiresAt, 0, null), null)
    const first = (retryAt(ig, 1, T0, 0, null) ?? 0) - T0
    const fifth = (retryAt(ig, 5, T0, 0, null) ?? 0) - T0
    assert.equal(first, 30_000)
    assert.equal(fifth, 16 * 30_000)
    assert.equal((retryAt(ig, 40, T0, 0.99, null) ?? 0) - T0 <= 6 * HOUR, true)
  })

  test('expiring window', () => {
    assert.equal(isExpiring(ig, T0 + 54 * DAY, 7 * DAY), true)
    assert.equal(isExpiring(ig, T0 + 52 * DAY, 7 * DAY), false)
    assert.equal(isExpiring(ig, T0 + 61 * DAY, 7 * DAY), false)
    assert.equal(isExpiring({ expiresAt: null }, T0, 7 * DAY), false)
  })
})
