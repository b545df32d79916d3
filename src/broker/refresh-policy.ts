import { flavorOfTokenKind } from '../meta/index.js'
import type { TokenKind } from '../store/index.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Tunables of the refresh policy. Every field has a default. */
export interface RefreshPolicyOptions {
  /** Refresh once fewer than this many days of life remain. Default 45 (of 60). */
  readonly refreshWhenDaysLeft?: number
  /** Spread refreshes of tokens issued together over up to this many hours. Default 12. */
  readonly jitterHours?: number
  /** Warn (`token.expiring`) this many days before a token that cannot be refreshed expires. Default 7. */
  readonly warnDaysBeforeExpiry?: number
  /** How often a token that never expires is checked with `debug_token`. Default 24 hours. */
  readonly checkEveryHours?: number
  /** First retry delay after a transient failure. Default 1 minute. */
  readonly retryBaseMs?: number
  /** Longest delay between retries. Default 6 hours. */
  readonly retryCapMs?: number
}

/** A token's state as the policy sees it. */
export interface PolicyToken {
  readonly kind: TokenKind
  /** Epoch ms when Meta issued the current value. */
  readonly issuedAt: number
  /** Epoch ms, or null for a token that never expires. */
  readonly expiresAt: number | null
}

/** What the engine should do with a due token. */
export type RefreshDecision =
  /** Call Meta's refresh grant now. */
  | { readonly action: 'refresh' }
  /** Ask Meta whether the token still works (`debug_token`); it has no expiry to refresh. */
  | { readonly action: 'inspect' }
  /** It cannot be refreshed and expires soon: tell people, look again at `nextAt`. */
  | { readonly action: 'warn'; readonly nextAt: number }
  /** It is past its expiry: it is dead, whatever we do. */
  | { readonly action: 'expire' }
  /** Not yet (e.g. younger than the flavor's minimum refresh age): look again at `until`. */
  | { readonly action: 'wait'; readonly until: number }
  /** Nothing to do, ever (short-lived tokens). */
  | { readonly action: 'none' }

function clampJitter(jitter: number): number {
  return Math.min(Math.max(Number.isFinite(jitter) ? jitter : 0, 0), 0.999999)
}

/** How a token kind is kept alive, from the facts of the flavor that stores it. */
export interface TokenRule {
  /**
   * `refresh`: the flavor's user token with a refresh grant. `warn`: its user token without one
   * (tell people before it expires). `inspect`: a served token that is not the user token (a Page
   * token: no expiry, checked with `debug_token`). `none`: nothing to do (short-lived tokens).
   */
  readonly rule: 'refresh' | 'warn' | 'inspect' | 'none'
  /** Meta refreshes a token only once it is this old (the flavor's `minRefreshAgeSeconds`), ms. */
  readonly minAgeMs: number
  /** Whether accounts are served this kind (the flavor's `servedTokenKind`): its expiry is theirs. */
  readonly served: boolean
}

/**
 * The one place a token kind's refresh rule is read off its flavor (`userTokenKind`,
 * `servedTokenKind`, `refreshable`, `minRefreshAgeSeconds`). Pure.
 * @param kind - the token's kind
 */
export function tokenRule(kind: TokenKind): TokenRule {
  const flavor = flavorOfTokenKind(kind)
  if (flavor === undefined) return { rule: 'none', minAgeMs: 0, served: false }
  const minAgeMs = flavor.minRefreshAgeSeconds * 1000
  const served = kind === flavor.servedTokenKind
  if (kind !== flavor.userTokenKind) return { rule: 'inspect', minAgeMs, served }
  return { rule: flavor.refreshable ? 'refresh' : 'warn', minAgeMs, served }
}

/**
 * Whether Meta would refresh this token now: its flavor has a refresh grant for it and it is past
 * the flavor's minimum age. Pure.
 * @param token - the token's kind and issue time
 * @param now - epoch ms
 */
export function mayRefresh(token: Pick<PolicyToken, 'kind' | 'issuedAt'>, now: number): boolean {
  const { rule, minAgeMs } = tokenRule(token.kind)
  return rule === 'refresh' && now >= token.issuedAt + minAgeMs
}

/**
 * When a token should next be looked at (epoch ms), or null for never. Pure: the token's state,
 * a jitter draw in [0, 1) and the policy in; one instant out.
 *
 * Tokens with a refresh grant are refreshed once fewer than `refreshWhenDaysLeft` days remain,
 * never before the flavor's minimum age (Meta's 24 hours), which leaves weeks of retries before
 * expiry. User tokens without a refresh grant (Facebook) are looked at `warnDaysBeforeExpiry` days
 * before expiry, to warn. Served tokens without expiry (Pages) are checked every `checkEveryHours`.
 *
 * @param token - the token's kind, issue time and expiry
 * @param jitter - a uniform draw in [0, 1): spreads tokens issued together over `jitterHours`
 * @param options - see {@link RefreshPolicyOptions}
 */
export function nextRefreshAt(
  token: PolicyToken,
  jitter: number,
  options: RefreshPolicyOptions = {},
): number | null {
  const spread = Math.floor((options.jitterHours ?? 12) * HOUR * clampJitter(jitter))
  const { rule, minAgeMs } = tokenRule(token.kind)
  switch (rule) {
    case 'refresh': {
      if (token.expiresAt === null) return null
      const oldEnough = token.issuedAt + minAgeMs
      const due = Math.max(oldEnough, token.expiresAt - (options.refreshWhenDaysLeft ?? 45) * DAY)
      return Math.max(oldEnough, Math.min(due + spread, token.expiresAt - HOUR))
    }
    case 'warn':
      return token.expiresAt === null
        ? null
        : token.expiresAt - (options.warnDaysBeforeExpiry ?? 7) * DAY
    case 'inspect':
      return token.issuedAt + (options.checkEveryHours ?? 24) * HOUR + spread
    case 'none':
      return null
  }
}

/**
 * What to do with a token whose due time has come. Pure.
 *
 * @param token - the token's kind, issue time and expiry
 * @param now - epoch ms
 * @param options - see {@link RefreshPolicyOptions}
 */
export function decideRefresh(
  token: PolicyToken,
  now: number,
  options: RefreshPolicyOptions = {},
): RefreshDecision {
  const { rule, minAgeMs } = tokenRule(token.kind)
  if (rule === 'none') return { action: 'none' }
  if (token.expiresAt !== null && now >= token.expiresAt) return { action: 'expire' }
  if (rule === 'inspect') return { action: 'inspect' }
  if (rule === 'warn') {
    if (token.expiresAt === null) return { action: 'none' }
    const warnAt = token.expiresAt - (options.warnDaysBeforeExpiry ?? 7) * DAY
    return now >= warnAt
      ? { action: 'warn', nextAt: token.expiresAt }
      : { action: 'wait', until: warnAt }
  }
  if (now < token.issuedAt + minAgeMs) return { action: 'wait', until: token.issuedAt + minAgeMs }
  return { action: 'refresh' }
}

/**
 * When to try again after a failed attempt: jittered exponential backoff per token (`retryBaseMs`
 * doubling up to `retryCapMs`), never sooner than Meta's own `retryAfterMs`, and never so late that
 * the token expires before the next try (the last try lands a few minutes before expiry). Pure.
 *
 * @param token - the token's kind, issue time and expiry
 * @param attempts - consecutive failures so far, including this one (1 after the first failure)
 * @param now - epoch ms
 * @param jitter - a uniform draw in [0, 1)
 * @param retryAfterMs - Meta's hint (throttle or transient wait), or null
 * @param options - see {@link RefreshPolicyOptions}
 * @returns epoch ms of the next attempt, or null when none is left (the token has expired)
 */
export function retryAt(
  token: PolicyToken,
  attempts: number,
  now: number,
  jitter: number,
  retryAfterMs: number | null,
  options: RefreshPolicyOptions = {},
): number | null {
  if (token.expiresAt !== null && now >= token.expiresAt) return null
  const base = options.retryBaseMs ?? MINUTE
  const cap = options.retryCapMs ?? 6 * HOUR
  const exponent = Math.min(Math.max(attempts, 1) - 1, 30)
  const ceiling = Math.min(cap, base * 2 ** exponent)
  const backoff = Math.round(ceiling / 2 + (ceiling / 2) * clampJitter(jitter))
  let at = now + Math.max(backoff, retryAfterMs ?? 0)
  if (token.expiresAt !== null) {
    // The last try lands a few minutes before expiry; after that the next look finds it expired.
    const lastChance = token.expiresAt - 5 * MINUTE
    if (at > lastChance) at = lastChance > now ? lastChance : token.expiresAt
  }
  return at
}

/**
 * Whether a failed token's next attempt, set by {@link retryAt}, is still ahead: until then
 * nothing calls Meta for it, a read included, so a failing Meta is not called on every read. Pure.
 *
 * @param token - when the last attempt failed (null: it did not) and when the next one is due
 * @param now - epoch ms
 */
export function retryPending(
  token: { readonly lastErrorAt: number | null; readonly nextRefreshAt: number | null },
  now: number,
): boolean {
  return token.lastErrorAt !== null && token.nextRefreshAt !== null && token.nextRefreshAt > now
}

/**
 * Whether a token is close enough to expiry that people should be warned (`token.expiring`):
 * within `withinMs` of `expiresAt` and not yet expired. Pure.
 *
 * @param token - expiry of the token
 * @param now - epoch ms
 * @param withinMs - the warning window
 */
export function isExpiring(
  token: Pick<PolicyToken, 'expiresAt'>,
  now: number,
  withinMs: number,
): boolean {
  return token.expiresAt !== null && token.expiresAt > now && token.expiresAt - now <= withinMs
}
