import type { TokenKind } from '../store/index.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** Tunables of {@link nextRefreshAt}. */
export interface RefreshPolicyOptions {
  /** Refresh once fewer than this many days of life remain. Default 45 (of 60). */
  readonly refreshWhenDaysLeft?: number
  /** Spread refreshes of tokens issued together over up to this many hours. Default 12. */
  readonly jitterHours?: number
}

/**
 * When a token should next be looked at (epoch ms), or null for never. Pure: the token's state,
 * a jitter draw in [0, 1) and the policy in; one instant out.
 *
 * Instagram tokens are refreshed once fewer than `refreshWhenDaysLeft` days remain (never before
 * Meta's 24-hour minimum age), which leaves weeks of retries before expiry. Facebook user tokens
 * cannot be refreshed: they are looked at a week before expiry, to warn. Page tokens never expire
 * and are checked daily for validity.
 */
export function nextRefreshAt(
  token: { readonly kind: TokenKind; readonly issuedAt: number; readonly expiresAt: number | null },
  jitter: number,
  options: RefreshPolicyOptions = {},
): number | null {
  const spread = Math.floor(
    (options.jitterHours ?? 12) * HOUR * Math.min(Math.max(jitter, 0), 0.999999),
  )
  switch (token.kind) {
    case 'instagram_long_lived':
    case 'basic_display_long_lived': {
      if (token.expiresAt === null) return null
      const daysLeft = options.refreshWhenDaysLeft ?? 45
      const due = Math.max(token.issuedAt + DAY, token.expiresAt - daysLeft * DAY)
      return Math.min(due + spread, token.expiresAt - HOUR)
    }
    case 'facebook_user_long_lived':
      return token.expiresAt === null ? null : token.expiresAt - 7 * DAY
    case 'facebook_page':
      return token.issuedAt + DAY + spread
    case 'short_lived':
      return null
  }
}
