// decide(): the whole refresh policy as a table, with no database, emulator or clock. Instants
// expected below are written out from the flavors' documented facts (Meta's 24-hour minimum age,
// 60-day tokens), not computed with the code under test.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decide } from '../../src/broker/refresh-decide.js'
import type {
  DecideInput,
  Decision,
  MetaAnswer,
  RefreshAction,
  Settled,
} from '../../src/broker/refresh-decide.js'
import { BrokerError, MetaApiError, getFlavor } from '../../src/meta/index.js'
import type { ErrorAction } from '../../src/meta/index.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 0, 1)
const iso = (ms: number) => new Date(ms).toISOString()

function input(
  over: Omit<Partial<DecideInput>, 'token'> & { token?: Partial<DecideInput['token']> } = {},
) {
  const { token, ...rest } = over
  return {
    token: {
      kind: 'instagram_long_lived',
      issued_at: T0,
      expires_at: T0 + 60 * DAY,
      next_refresh_at: T0 + 15 * DAY,
      attempts: 0,
      last_error_at: null,
      ...token,
    },
    accountStatus: 'active',
    trigger: 'schedule',
    force: false,
    blockedUntil: 0,
    jitter: 0,
    ...rest,
  } satisfies DecideInput
}

function metaError(code: number, action: ErrorAction, retryAfterMs: number | null = null) {
  return new MetaApiError({
    message: `meta said ${String(code)}`,
    status: 400,
    code,
    subcode: code === 190 ? 460 : null,
    type: 'OAuthException',
    fbtraceId: null,
    userTitle: null,
    userMessage: null,
    action,
    retryAfterMs,
    hint: null,
    usage: null,
    method: 'GET',
    url: 'https://graph.instagram.com/refresh_access_token',
    body: {},
    response: new Response('{}'),
  })
}

function settled(decision: Decision): Settled {
  if (decision.kind !== 'settle') assert.fail(`expected a settled decision, got ${decision.kind}`)
  return decision
}

const reschedule = (at: number | null): RefreshAction => ({ type: 'reschedule', nextRefreshAt: at })

describe('decide: before calling Meta', () => {
  const rows: [string, ReturnType<typeof input>, number, Decision][] = [
    [
      'an account that is not active is skipped and unscheduled',
      input({ accountStatus: 'needs_reauth' }),
      T0 + 20 * DAY,
      { kind: 'settle', outcome: 'skipped', actions: [reschedule(null)] },
    ],
    [
      'a deleted account is skipped and unscheduled',
      input({ accountStatus: undefined }),
      T0 + 20 * DAY,
      { kind: 'settle', outcome: 'skipped', actions: [reschedule(null)] },
    ],
    [
      'a short-lived token is never refreshed',
      input({ token: { kind: 'short_lived' } }),
      T0 + 20 * DAY,
      { kind: 'settle', outcome: 'skipped', actions: [reschedule(null)] },
    ],
    [
      'an Instagram token younger than 24 hours waits until it is a day old',
      input(),
      T0 + HOUR,
      { kind: 'settle', outcome: 'deferred', actions: [reschedule(T0 + DAY)] },
    ],
    [
      'a Basic Display token younger than 24 hours waits too',
      input({ token: { kind: 'basic_display_long_lived' } }),
      T0 + 23 * HOUR,
      { kind: 'settle', outcome: 'deferred', actions: [reschedule(T0 + DAY)] },
    ],
    [
      'a due Instagram token is refreshed',
      input(),
      T0 + 15 * DAY,
      { kind: 'call', call: 'refresh' },
    ],
    [
      'a young token is refreshed anyway when forced (on demand)',
      input({ force: true, trigger: 'operator' }),
      T0 + HOUR,
      { kind: 'call', call: 'refresh' },
    ],
    [
      'throttled (scheduled): deferred past the gate, spread by the jitter',
      input({ blockedUntil: T0 + 15 * DAY + HOUR, jitter: 0.5 }),
      T0 + 15 * DAY,
      { kind: 'settle', outcome: 'deferred', actions: [reschedule(T0 + 15 * DAY + HOUR + 15_000)] },
    ],
    [
      'throttled close to expiry: deferred to a minute before it',
      input({ blockedUntil: T0 + 60 * DAY + HOUR }),
      T0 + 60 * DAY - HOUR,
      { kind: 'settle', outcome: 'deferred', actions: [reschedule(T0 + 60 * DAY - 60_000)] },
    ],
    [
      'throttled but asked for by the API: the call is made',
      input({ blockedUntil: T0 + 16 * DAY, trigger: 'api' }),
      T0 + 15 * DAY,
      { kind: 'call', call: 'refresh' },
    ],
    [
      'an expired Instagram token expires the account',
      input(),
      T0 + 60 * DAY,
      {
        kind: 'settle',
        outcome: 'expired',
        actions: [
          reschedule(null),
          {
            type: 'status',
            status: 'expired',
            reason: 'the token expired before it was refreshed',
          },
          {
            type: 'record',
            event: 'account.expired',
            data: {
              trigger: 'schedule',
              kind: 'instagram_long_lived',
              expires_at: iso(T0 + 60 * DAY),
            },
          },
        ],
      },
    ],
    [
      'a Facebook user token long before expiry waits until 7 days before it',
      input({ token: { kind: 'facebook_user_long_lived' } }),
      T0 + DAY,
      { kind: 'settle', outcome: 'deferred', actions: [reschedule(T0 + 53 * DAY)] },
    ],
    [
      'a Facebook user token (no refresh grant) expiring soon: warn once, look again at expiry',
      input({ token: { kind: 'facebook_user_long_lived' } }),
      T0 + 54 * DAY,
      {
        kind: 'settle',
        outcome: 'warned',
        actions: [
          reschedule(T0 + 60 * DAY),
          {
            type: 'record',
            event: 'token.expiring',
            data: {
              kind: 'facebook_user_long_lived',
              expires_at: iso(T0 + 60 * DAY),
              refreshable: false,
            },
          },
        ],
      },
    ],
    [
      'a Facebook user token cannot be forced into a refresh',
      input({ token: { kind: 'facebook_user_long_lived' }, force: true, trigger: 'operator' }),
      T0 + DAY,
      { kind: 'settle', outcome: 'deferred', actions: [reschedule(T0 + 53 * DAY)] },
    ],
    [
      'an expired Facebook user token leaves the account (served by its Page token) alone',
      input({ token: { kind: 'facebook_user_long_lived' } }),
      T0 + 61 * DAY,
      { kind: 'settle', outcome: 'expired', actions: [reschedule(null)] },
    ],
    [
      'a Page token (no expiry) is checked with debug_token',
      input({ token: { kind: 'facebook_page', expires_at: null } }),
      T0 + DAY,
      { kind: 'call', call: 'inspect' },
    ],
  ]
  for (const [name, given, now, expected] of rows) {
    test(name, () => {
      const decision = decide(given, {}, now)
      const { error: _error, ...comparable } = decision as Decision & { error?: unknown }
      assert.deepEqual(comparable, expected)
    })
  }

  test('the minimum age is the flavor fact, not a constant of the policy', () => {
    for (const name of ['instagram-login', 'basic-display'] as const) {
      const flavor = getFlavor(name)
      const kind = flavor.userTokenKind
      const until = T0 + flavor.minRefreshAgeSeconds * 1000
      const decision = settled(decide(input({ token: { kind } }), {}, until - 1))
      assert.deepEqual(decision.actions, [reschedule(until)])
      assert.deepEqual(decide(input({ token: { kind } }), {}, until), {
        kind: 'call',
        call: 'refresh',
      })
    }
  })

  test('expiry reports an error for the caller', () => {
    const decision = settled(decide(input(), {}, T0 + 61 * DAY))
    assert.ok(decision.error instanceof Error)
    assert.equal((decision.error as { code?: string }).code, 'expired')
  })
})

describe('decide: after Meta answered', () => {
  const due = T0 + 15 * DAY
  const after = (answer: MetaAnswer, over: Parameters<typeof input>[0] = {}, now = due) =>
    settled(decide(input(over), {}, now, answer))

  test('refreshed: store the token, next due 45 days before its new expiry, record it (ISO)', () => {
    const decision = after({ kind: 'refreshed', expiresAt: due + 60 * DAY, sameToken: false })
    assert.equal(decision.outcome, 'refreshed')
    assert.deepEqual(decision.actions, [
      { type: 'store', issuedAt: due, expiresAt: due + 60 * DAY, nextRefreshAt: due + 15 * DAY },
      {
        type: 'record',
        event: 'token.refreshed',
        data: {
          trigger: 'schedule',
          kind: 'instagram_long_lived',
          expires_at: iso(due + 60 * DAY),
          same_token: false,
        },
      },
    ])
  })

  test('a valid Page token is checked again a day later', () => {
    const decision = after(
      { kind: 'valid' },
      { token: { kind: 'facebook_page', expires_at: null } },
    )
    assert.deepEqual(decision, {
      kind: 'settle',
      outcome: 'checked',
      actions: [reschedule(due + DAY)],
    })
  })

  test('an invalid Page token needs a new login', () => {
    const decision = after(
      { kind: 'invalid', code: 190, subcode: 460 },
      { token: { kind: 'facebook_page', expires_at: null } },
    )
    assert.equal(decision.outcome, 'needs_reauth')
    assert.deepEqual(decision.actions, [
      {
        type: 'fail',
        errorCode: 'invalid_token',
        errorMessage: 'debug_token says the token is no longer valid',
        nextRefreshAt: null,
      },
      {
        type: 'status',
        status: 'needs_reauth',
        reason: 'debug_token says the token is no longer valid',
      },
      { type: 'unschedule-account' },
      {
        type: 'record',
        event: 'account.needs_reauth',
        data: {
          trigger: 'schedule',
          reason: 'debug_token says the token is no longer valid',
          meta_code: 190,
          meta_subcode: 460,
        },
      },
    ])
  })

  for (const [code, action] of [
    [190, 'reauthorize'],
    [10, 'permission'],
  ] as const) {
    test(`Meta error ${String(code)} (${action}): needs_reauth, no retry`, () => {
      const error = metaError(code, action)
      const decision = after({ kind: 'failed', error })
      assert.equal(decision.outcome, 'needs_reauth')
      assert.equal(decision.error, error)
      assert.deepEqual(decision.actions[0], {
        type: 'fail',
        errorCode: `meta_${String(code)}`,
        errorMessage: error.message,
        nextRefreshAt: null,
      })
      assert.deepEqual(
        decision.actions.map((a) => a.type),
        ['fail', 'status', 'unschedule-account', 'record'],
      )
      assert.deepEqual(decision.actions.at(-1), {
        type: 'record',
        event: 'account.needs_reauth',
        data: {
          trigger: 'schedule',
          reason: action,
          meta_code: code,
          meta_subcode: code === 190 ? 460 : null,
        },
      })
    })
  }

  test('Meta says the token expired: the account expires', () => {
    const error = new BrokerError('IGB_TOKEN_EXPIRED', 'expired')
    const decision = after({ kind: 'failed', error })
    assert.equal(decision.outcome, 'expired')
    assert.deepEqual(
      decision.actions.map((a) => a.type),
      ['reschedule', 'status', 'record'],
    )
  })

  test('too early for Meta: deferred to the day-old mark, not counted as a failure', () => {
    const error = new BrokerError('IGB_REFRESH_TOO_EARLY', 'too early')
    const decision = after({ kind: 'failed', error }, { force: true }, T0 + HOUR)
    assert.equal(decision.outcome, 'deferred')
    assert.deepEqual(decision.actions, [reschedule(T0 + DAY)])
  })

  test('transient failure: backoff of 30–60 s on the first try, counted and recorded', () => {
    const error = new BrokerError('IGB_TIMEOUT', 'timed out')
    const decision = after({ kind: 'failed', error }, { jitter: 0 })
    assert.equal(decision.outcome, 'failed')
    assert.deepEqual(decision.actions, [
      {
        type: 'fail',
        errorCode: 'IGB_TIMEOUT',
        errorMessage: 'timed out',
        nextRefreshAt: due + 30_000,
      },
      {
        type: 'record',
        event: 'token.refresh_failed',
        data: {
          trigger: 'schedule',
          kind: 'instagram_long_lived',
          error: 'IGB_TIMEOUT',
          attempts: 1,
          next_attempt_at: iso(due + 30_000),
        },
      },
    ])
  })

  test("throttled by Meta: the retry waits at least Meta's retry-after", () => {
    const error = metaError(4, 'retry-later', 10 * 60_000)
    const decision = after({ kind: 'failed', error }, { token: { attempts: 2 } })
    const fail = decision.actions[0]
    assert.ok(fail?.type === 'fail')
    assert.equal(fail.errorCode, 'meta_4')
    assert.equal(fail.nextRefreshAt, due + 10 * 60_000)
  })

  test('a failed on-demand refresh does not pull the schedule forward', () => {
    const error = new BrokerError('IGB_NETWORK', 'down')
    const decision = after({ kind: 'failed', error }, { trigger: 'api' }, T0 + 2 * DAY)
    const fail = decision.actions[0]
    assert.ok(fail?.type === 'fail')
    assert.equal(fail.nextRefreshAt, T0 + 15 * DAY)
  })

  test('failing inside the expiring window: warn on the first such failure only', () => {
    const error = new BrokerError('IGB_TIMEOUT', 'timed out')
    const now = T0 + 55 * DAY
    const first = after({ kind: 'failed', error }, { token: { last_error_at: T0 + 50 * DAY } }, now)
    assert.deepEqual(first.actions.at(-1), {
      type: 'record',
      event: 'token.expiring',
      data: { kind: 'instagram_long_lived', expires_at: iso(T0 + 60 * DAY), refreshable: true },
    })
    const again = after(
      { kind: 'failed', error },
      { token: { last_error_at: T0 + 54 * DAY, attempts: 3 } },
      now,
    )
    assert.deepEqual(
      again.actions.map((a) => (a.type === 'record' ? a.event : a.type)),
      ['fail', 'token.refresh_failed'],
    )
    const early = after({ kind: 'failed', error }, {}, T0 + 20 * DAY)
    assert.equal(early.actions.length, 2, 'no warning three weeks before expiry')
  })
})
