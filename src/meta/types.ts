import type { UsageReading } from './usage-headers.js'

/** The token the code exchange returns (Instagram: 1 hour; Facebook: a few hours). */
export interface ShortLivedToken {
  readonly accessToken: string
  /** Instagram-scoped user id, every digit kept; `null` for Facebook (the exchange names no user). */
  readonly userId: string | null
  /** Granted permissions (Instagram Login); empty when Meta does not list them. */
  readonly permissions: string[]
  /** Epoch ms; `null` when Meta gives no lifetime. */
  readonly expiresAt: number | null
  readonly usage?: UsageReading
}

/** A long-lived (about 60 days) token. */
export interface LongLivedToken {
  readonly accessToken: string
  readonly tokenType: 'bearer'
  /** Lifetime in seconds, as Meta sent it. */
  readonly expiresIn: number
  /** Epoch ms, from the injected clock plus `expiresIn`. */
  readonly expiresAt: number
  readonly usage?: UsageReading
}

/** The account behind a token. */
export interface Profile {
  /** Instagram Login: the app-scoped id; Basic Display: the user id; Facebook: the IG user id. */
  readonly id: string
  /** Instagram Login: the professional account id (`user_id`), used in webhooks and `/{id}/media`. */
  readonly userId?: string
  readonly username: string
  /** `BUSINESS`, `MEDIA_CREATOR`, `PERSONAL` … */
  readonly accountType?: string
  readonly name?: string
  readonly mediaCount?: number
  readonly profilePictureUrl?: string
  /** Every field Meta returned, big integers as strings. */
  readonly fields: Readonly<Record<string, unknown>>
  readonly usage?: UsageReading
}

/** One media object. */
export interface Media {
  readonly id: string
  readonly caption: string | null
  /** `IMAGE`, `VIDEO`, `CAROUSEL_ALBUM`, or what Meta sent. */
  readonly mediaType: string | null
  readonly mediaUrl: string | null
  readonly thumbnailUrl: string | null
  readonly permalink: string | null
  /** Epoch ms. */
  readonly timestamp: number | null
  /** Album children; empty for other media. */
  readonly children: Media[]
}

/** A page of media. */
export interface MediaPage {
  readonly items: Media[]
  /** Pass as `after` to read on; `null` on the last page. */
  readonly nextCursor: string | null
  readonly usage?: UsageReading
}

/** What Meta says about a token. */
export interface TokenInspection {
  readonly isValid: boolean
  readonly type: 'USER' | 'PAGE' | 'APP' | 'SYSTEM_USER' | 'INSTAGRAM'
  readonly appId?: string
  readonly userId?: string
  readonly scopes: string[]
  /** Epoch ms, or `null` when unknown. */
  readonly issuedAt: number | null
  /**
   * Epoch ms; `null` means never (Facebook `expires_at: 0`). Instagram tokens cannot be
   * inspected for expiry: `null` there means unknown; keep the `expiresAt` you stored.
   */
  readonly expiresAt: number | null
  /** Epoch ms when data access lapses, or `null`. */
  readonly dataAccessExpiresAt: number | null
  readonly error?: { readonly code?: number; readonly subcode?: number; readonly message: string }
  readonly usage?: UsageReading
}

/** A Facebook Page the user can act on, with its Page token. */
export interface FacebookPage {
  readonly id: string
  readonly name: string
  readonly accessToken: string
  readonly tasks: string[]
  readonly instagramBusinessAccount: { readonly id: string; readonly username?: string } | null
}
