import {
  BrokerError,
  IGB_REFRESH_TOO_EARLY,
  IGB_TOKEN_EXPIRED,
  MetaApiError,
} from '../meta/index.js'
import type { AccountStatus, TokenRow } from '../store/index.js'
import { eventInstant } from './effects/vocabulary.js'
import type { EventData, EventType } from './effects/vocabulary.js'
import { decideRefresh, isExpiring, nextRefreshAt, retryAt, tokenRule } from './refresh-policy.js'
import type { RefreshPolicyOptions } from './refresh-policy.js'
import { BrokerErrorLike, refreshErrorCode } from './refresh-failure.js'

const DAY = 86_400_000

/**
 * What triggered a refresh (a metric label and an event detail). `read`: Meta refused the stored
 * token on a read (a public feed), and the refusal is settled by the refresh's rule.
 */
export type RefreshTrigger = 'api' | 'schedule' | 'operator' | 'read'

/** How one look at a token ended. */
export type RefreshOutcome =
  /** A new token (or the same string with a new expiry) is stored. */
  | 'refreshed'
  /** Another process or call refreshed it meanwhile; its token is stored. */
  | 'joined'
  /** A transient failure: the working token is kept and a retry is scheduled. */
  | 'failed'
  /** Meta refused the token for good (190 family, permission removed): a new login is needed. */
  | 'needs_reauth'
  /** The token ran out before it could be refreshed. */
  | 'expired'
  /** A token without a refresh grant expires soon: people were told. */
  | 'warned'
  /** A token without expiry passed its validity check. */
  | 'checked'
  /** Not now (too young, throttled): looked at again later, nothing counted as a failure. */
  | 'deferred'
  /** Nothing to do (the account is not active, the token is gone). */
  | 'skipped'

/** The result of a refresh (`TokenRefresher.processClaimed`, `TokenRefresher.refreshNow`). */
export interface RefreshResult {
  readonly outcome: RefreshOutcome
  /** The stored row afterwards, when there is one. */
  readonly token?: TokenRow
  /** What went wrong, for `failed`, `needs_reauth`, `expired` and `deferred`. */
  readonly error?: unknown
}

/** The refresh policy {@link decide} applies: the schedule's tunables and the warning window. */
export interface RefreshRules extends RefreshPolicyOptions {
  /** Warn (`token.expiring`) when a failing token is this close to expiry, ms. Default 7 days. */
  readonly expiringWithinMs?: number
}

/** What {@link decide} knows about the token in hand. */
export interface DecideInput {
  readonly token: Pick<
    TokenRow,
    'kind' | 'issued_at' | 'expires_at' | 'next_refresh_at' | 'attempts' | 'last_error_at'
  >
  /** The account's status, or undefined when the account is gone. */
  readonly accountStatus: AccountStatus | undefined
  readonly trigger: RefreshTrigger
  /** On demand: refresh now even when the schedule says "not yet". */
  readonly force: boolean
  /** Until when Meta asked us to leave this account alone (epoch ms; 0 = not asked). */
  readonly blockedUntil: number
  /** A uniform draw in [0, 1) that spreads due times. */
  readonly jitter: number
}

/** What Meta answered to the call a `call` decision asked for. */
export type MetaAnswer =
  | { readonly kind: 'refreshed'; readonly expiresAt: number | null; readonly sameToken: boolean }
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid'; readonly code: number | null; readonly subcode: number | null }
  | { readonly kind: 'failed'; readonly error: unknown }

/**
 * One write of a settled decision. The first action is always the token row's own write
 * (`reschedule`, `store` or `fail`), which `applyDecision` fences with the lease.
 */
export type RefreshAction =
  /** Set when the token is next looked at (null = never) and give the lease back. */
  | { readonly type: 'reschedule'; readonly nextRefreshAt: number | null }
  /** Store the token Meta answered with; the caller holds its value, never the decision. */
  | {
      readonly type: 'store'
      readonly issuedAt: number
      readonly expiresAt: number | null
      readonly nextRefreshAt: number | null
    }
  /** Count a failure (the stored token stays as it is). */
  | {
      readonly type: 'fail'
      readonly errorCode: string
      readonly errorMessage: string
      readonly nextRefreshAt: number | null
    }
  | {
      readonly type: 'status'
      readonly status: 'needs_reauth' | 'expired'
      readonly reason: string
    }
  /** Stop scheduling every token of the account. */
  | { readonly type: 'unschedule-account' }
  /** Record an effect (event and webhooks) about the account. */
  | { readonly type: 'record'; readonly event: EventType; readonly data: EventData }

/** A decision that needs no more from Meta: its outcome and the writes that record it. */
export interface Settled {
  readonly kind: 'settle'
  readonly outcome: RefreshOutcome
  readonly actions: readonly RefreshAction[]
  readonly error?: unknown
}

/** What to do: ask Meta first, or settle with these writes. */
export type Decision = { readonly kind: 'call'; readonly call: 'refresh' | 'inspect' } | Settled

/**
 * The refresh policy in one pure function: a token's state (and, after a call, Meta's answer) in;
 * the outcome and the writes that record it out. No clock, database, randomness or Meta: the
 * caller passes `now`, the jitter draw and the answer, and `applyDecision` performs the writes.
 *
 * @param input - the token, its account's status, the trigger, and what the caller knows
 * @param rules - the policy's tunables
 * @param now - epoch ms
 * @param answer - Meta's answer to the call a previous `decide` asked for
 */
export function decide(input: DecideInput, rules: RefreshRules, now: number): Decision
export function decide(
  input: DecideInput,
  rules: RefreshRules,
  now: number,
  answer: MetaAnswer,
): Settled
export function decide(
  input: DecideInput,
  rules: RefreshRules,
  now: number,
  answer?: MetaAnswer,
): Decision {
  if (answer !== undefined) return afterCall(input, rules, now, answer)
  const { token } = input
  if (input.accountStatus !== 'active') return settle('skipped', reschedule(null))
  let due = decideRefresh(policyToken(token), now, rules)
  if (input.force && (due.action === 'wait' || due.action === 'warn')) {
    if (tokenRule(token.kind).rule === 'refresh') due = { action: 'refresh' }
  }
  switch (due.action) {
    case 'none':
      return settle('skipped', reschedule(null))
    case 'wait':
      return settle('deferred', reschedule(due.until))
    case 'expire':
      return expire(input)
    case 'warn':
      return settle('warned', reschedule(due.nextAt), warning(token))
    case 'inspect':
    case 'refresh':
      if (input.trigger === 'schedule' && input.blockedUntil > now) {
        // Spread the resumption a little so that a released gate is not hit by everyone at once.
        const at = input.blockedUntil + Math.floor(input.jitter * 30_000)
        const next = token.expires_at === null ? at : Math.min(at, token.expires_at - 60_000)
        return settle('deferred', reschedule(next))
      }
      return { kind: 'call', call: due.action }
  }
}

function afterCall(
  input: DecideInput,
  rules: RefreshRules,
  now: number,
  answer: MetaAnswer,
): Settled {
  const { token, trigger } = input
  switch (answer.kind) {
    case 'refreshed':
      return settle(
        'refreshed',
        {
          type: 'store',
          issuedAt: now,
          expiresAt: answer.expiresAt,
          nextRefreshAt: nextRefreshAt(
            { kind: token.kind, issuedAt: now, expiresAt: answer.expiresAt },
            input.jitter,
            rules,
          ),
        },
        record('token.refreshed', {
          trigger,
          kind: token.kind,
          expires_at: eventInstant(answer.expiresAt),
          same_token: answer.sameToken,
        }),
      )
    case 'valid':
      return settle(
        'checked',
        reschedule(
          nextRefreshAt(
            { kind: token.kind, issuedAt: now, expiresAt: token.expires_at },
            input.jitter,
            rules,
          ),
        ),
      )
    case 'invalid':
      return needsReauth(input, {
        errorCode: 'invalid_token',
        message: 'debug_token says the token is no longer valid',
        reason: 'debug_token says the token is no longer valid',
        code: answer.code,
        subcode: answer.subcode,
      })
    case 'failed':
      return afterFailure(input, rules, now, answer.error)
  }
}

function afterFailure(
  input: DecideInput,
  rules: RefreshRules,
  now: number,
  error: unknown,
): Settled {
  const { token, trigger } = input
  if (error instanceof BrokerError && error.code === IGB_TOKEN_EXPIRED) return expire(input)
  if (
    (error instanceof MetaApiError || error instanceof BrokerError) &&
    (error.action === 'reauthorize' || error.action === 'permission')
  ) {
    const meta = error instanceof MetaApiError
    return needsReauth(
      input,
      {
        errorCode: refreshErrorCode(error),
        message: error.message,
        reason: meta ? error.action : error.code,
        code: meta ? error.code : null,
        subcode: meta ? error.subcode : null,
      },
      error,
    )
  }
  if (error instanceof BrokerError && error.code === IGB_REFRESH_TOO_EARLY) {
    const oldEnough = token.issued_at + tokenRule(token.kind).minAgeMs
    if (trigger !== 'schedule' && token.next_refresh_at !== null) {
      // Someone asked too early (dashboard, API): the schedule stays (rewritten as it was, which
      // also lets go of the lease), the history shows the try.
      return {
        ...settle(
          'deferred',
          reschedule(token.next_refresh_at),
          record('token.refresh_failed', {
            trigger,
            kind: token.kind,
            error: 'too_early',
            attempts: token.attempts,
            refreshable_from: eventInstant(oldEnough),
            next_attempt_at: eventInstant(token.next_refresh_at),
          }),
        ),
        error,
      }
    }
    return { ...settle('deferred', reschedule(Math.max(oldEnough, now + 1))), error }
  }
  const retryAfter =
    error instanceof MetaApiError || error instanceof BrokerError
      ? (error.retryAfterMs ?? null)
      : null
  let next = retryAt(policyToken(token), token.attempts + 1, now, input.jitter, retryAfter, rules)
  // An on-demand attempt on a token that was not yet due must not pull its schedule forward.
  if (next !== null && trigger !== 'schedule' && token.next_refresh_at !== null) {
    next = Math.max(next, token.next_refresh_at)
  }
  const code = refreshErrorCode(error)
  const actions: RefreshAction[] = [
    {
      type: 'fail',
      errorCode: code,
      errorMessage: error instanceof Error ? error.message : 'unknown failure',
      nextRefreshAt: next,
    },
    record('token.refresh_failed', {
      trigger,
      kind: token.kind,
      error: code,
      attempts: token.attempts + 1,
      next_attempt_at: eventInstant(next),
    }),
  ]
  // Warn once: on the first failure inside the window (the previous one, if any, was before it).
  const within = rules.expiringWithinMs ?? 7 * DAY
  const expiring = (at: number) => isExpiring({ expiresAt: token.expires_at }, at, within)
  if (expiring(now) && (token.last_error_at === null || !expiring(token.last_error_at))) {
    actions.push(warning(token))
  }
  return { ...settle('failed', ...actions), error }
}

function needsReauth(
  input: DecideInput,
  why: {
    readonly errorCode: string
    readonly message: string
    readonly reason: string
    readonly code: number | null
    readonly subcode: number | null
  },
  error?: unknown,
): Settled {
  const decision = settle(
    'needs_reauth',
    { type: 'fail', errorCode: why.errorCode, errorMessage: why.message, nextRefreshAt: null },
    { type: 'status', status: 'needs_reauth', reason: why.reason },
    { type: 'unschedule-account' },
    record('account.needs_reauth', {
      trigger: input.trigger,
      reason: why.reason,
      meta_code: why.code,
      meta_subcode: why.subcode,
    }),
  )
  return error === undefined ? decision : { ...decision, error }
}

function expire(input: DecideInput): Settled {
  const { token } = input
  const error = new BrokerErrorLike('expired', 'the token has expired')
  // A Facebook user token may run out while the Page token it produced keeps working; only the
  // token the account is served with decides the account's status.
  if (!tokenRule(token.kind).served) {
    return { ...settle('expired', reschedule(null)), error }
  }
  return {
    ...settle(
      'expired',
      reschedule(null),
      { type: 'status', status: 'expired', reason: 'the token expired before it was refreshed' },
      record('account.expired', {
        trigger: input.trigger,
        kind: token.kind,
        expires_at: eventInstant(token.expires_at),
      }),
    ),
    error,
  }
}

function warning(token: DecideInput['token']): RefreshAction {
  return record('token.expiring', {
    kind: token.kind,
    expires_at: eventInstant(token.expires_at),
    refreshable: tokenRule(token.kind).rule === 'refresh',
  })
}

function settle(outcome: RefreshOutcome, ...actions: RefreshAction[]): Settled {
  return { kind: 'settle', outcome, actions }
}

function reschedule(nextRefreshAt: number | null): RefreshAction {
  return { type: 'reschedule', nextRefreshAt }
}

function record(event: EventType, data: EventData): RefreshAction {
  return { type: 'record', event, data }
}

function policyToken(token: DecideInput['token']) {
  return { kind: token.kind, issuedAt: token.issued_at, expiresAt: token.expires_at }
}
