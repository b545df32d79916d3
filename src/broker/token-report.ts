import { getFlavor } from '../meta/index.js'
import type { FlavorName, Profile, TokenInspection } from '../meta/index.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** What a token is, as `igtoken inspect` shows it. Times are epoch ms; null = not known. */
export interface TokenReport {
  readonly valid: boolean
  readonly flavor: FlavorName
  readonly kind: 'long-lived' | 'short-lived' | 'page' | 'unknown'
  /** Granted scopes, when Meta or the input said. */
  readonly scopes: readonly string[] | null
  readonly owner: {
    readonly userId: string | null
    readonly username: string | null
    readonly accountType: string | null
  }
  readonly issuedAt: number | null
  readonly expiresAt: number | null
  readonly ageMs: number | null
  readonly refresh: {
    /** True or false when the times are known; null when they are not. */
    readonly possibleNow: boolean | null
    /** From when Meta accepts a refresh (24 h after issue). */
    readonly from: number | null
    /** Until when (the expiry). */
    readonly until: number | null
    /** One sentence: why, or what to do. */
    readonly note: string
  }
  /** Meta's reason when the token is not valid. */
  readonly error: string | null
}

/** What we know about the token besides Meta's answer (e.g. from `igtoken login --json`). */
export interface KnownTokenFacts {
  readonly issuedAt?: number | undefined
  readonly expiresAt?: number | undefined
  readonly scopes?: readonly string[] | undefined
}

/**
 * Combines Meta's answer about a token with what the caller knows into one report, including
 * whether Meta would refresh it now (Instagram: at least 24 h old and unexpired). Pure.
 */
export function describeToken(input: {
  readonly flavor: FlavorName
  readonly inspection: TokenInspection
  readonly profile: Profile | null
  readonly known: KnownTokenFacts
  readonly now: number
}): TokenReport {
  const { flavor, inspection, profile, known, now } = input
  const issuedAt = inspection.issuedAt ?? known.issuedAt ?? null
  const expiresAt = inspection.expiresAt ?? known.expiresAt ?? null
  const scopes = inspection.scopes.length > 0 ? inspection.scopes : (known.scopes ?? null)
  let kind: TokenReport['kind'] = 'unknown'
  if (inspection.type === 'PAGE') kind = 'page'
  else if (issuedAt !== null && expiresAt !== null) {
    kind = expiresAt - issuedAt > 2 * DAY ? 'long-lived' : 'short-lived'
  } else if (inspection.type === 'USER' && expiresAt === null) {
    // Only debug_token reports a USER type: a long-lived Facebook user token that never expires.
    kind = 'long-lived'
  }
  return {
    valid: inspection.isValid,
    flavor,
    kind,
    scopes,
    owner: {
      userId: profile?.userId ?? inspection.userId ?? profile?.id ?? null,
      username: profile?.username ?? null,
      accountType: profile?.accountType ?? null,
    },
    issuedAt,
    expiresAt,
    ageMs: issuedAt === null ? null : now - issuedAt,
    refresh: refreshWindow(flavor, kind, inspection.isValid, issuedAt, expiresAt, now),
    error: inspection.isValid ? null : (inspection.error?.message ?? 'Meta refused the token'),
  }
}

function refreshWindow(
  flavor: FlavorName,
  kind: TokenReport['kind'],
  valid: boolean,
  issuedAt: number | null,
  expiresAt: number | null,
  now: number,
): TokenReport['refresh'] {
  const none = (note: string) => ({ possibleNow: false, from: null, until: null, note })
  if (!valid) return none('Meta no longer accepts this token: run npx igtoken login again')
  if (!getFlavor(flavor).refreshable) {
    return none(
      kind === 'page'
        ? 'Page tokens from a long-lived user token do not expire and have no refresh grant'
        : 'Facebook user tokens have no refresh grant: run npx igtoken login again before they expire',
    )
  }
  if (kind === 'short-lived') {
    return none('a short-lived token cannot be refreshed: exchange it for a long-lived one first')
  }
  const from = issuedAt === null ? null : issuedAt + DAY
  const until = expiresAt
  if (until !== null && now >= until) {
    return { possibleNow: false, from, until, note: 'expired: it can no longer be refreshed' }
  }
  if (from === null) {
    return {
      possibleNow: null,
      from,
      until,
      note: 'Meta does not say when an Instagram token was issued; it refreshes tokens at least 24 hours old (pipe the JSON of npx igtoken login --json to know)',
    }
  }
  if (now < from) {
    return {
      possibleNow: false,
      from,
      until,
      note: 'too young: Meta refreshes tokens at least 24 hours old',
    }
  }
  return { possibleNow: true, from, until, note: 'Meta will refresh it now (npx igtoken refresh)' }
}
