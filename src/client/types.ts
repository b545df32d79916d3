/**
 * The shapes the service answers, as field lists the types derive from. The OpenAPI document's
 * schemas name exactly these fields (test/client/client.test.ts keeps them equal), so a field
 * added to the API without the SDK fails a test.
 */

/** Every field of an account (`GET /api/v1/accounts`, `GET /api/v1/accounts/{id}`). */
export const ACCOUNT_FIELDS = [
  'id',
  'username',
  'flavor',
  'status',
  'status_reason',
  'label',
  'scopes',
  'user_id',
  'meta_user_id',
  'expires_at',
  'refreshed_at',
  'next_refresh_at',
  'last_error',
  'connected_at',
  'created_at',
] as const

/** Every field of `GET /api/v1/accounts/{id}/token`. */
export const TOKEN_FIELDS = ['access_token', 'expires_at', 'account_id', 'user_id'] as const

/** A connected account and the state of its token (never the token itself). */
export interface Account {
  readonly id: string
  readonly username: string
  readonly flavor: 'instagram-login' | 'facebook-login' | 'basic-display'
  readonly status: string
  readonly status_reason: string | null
  readonly label: string | null
  readonly scopes: readonly string[]
  /** The Instagram user id to call the Graph API with. */
  readonly user_id: string
  readonly meta_user_id: string
  readonly expires_at: string | null
  readonly refreshed_at: string | null
  readonly next_refresh_at: string | null
  readonly last_error: string | null
  readonly connected_at: string
  readonly created_at: string
}

/** One page of accounts. */
export interface AccountPage {
  readonly data: readonly Account[]
  readonly next_cursor: string | null
}

/** A served token. */
export interface TokenAnswer {
  readonly access_token: string
  readonly expires_at: string | null
  readonly account_id: string
  readonly user_id: string
}

/** What `connectLinks.create` sends (`POST /api/v1/connect-links`). */
export interface ConnectLinkInput {
  readonly label?: string
  /** The agency's own data (e.g. its customer id), echoed on `account.connected`. */
  readonly metadata?: Readonly<Record<string, unknown>>
  readonly scopes?: readonly string[]
  /** Where the client's browser goes after connecting (an allowed origin). */
  readonly return_to?: string
  readonly expires_in_seconds?: number
}

/** A created connect link: send `url` to the client. */
export interface ConnectLink {
  readonly id: string
  /** `pending`, `used`, `expired` or `cancelled`. */
  readonly state: string
  readonly expires_at: string
  readonly [field: string]: unknown
}

/** What `connectLinks.create` answers: the link, and its URL (with the secret) shown this once. */
export interface CreatedConnectLink {
  /** Send it to the client; igtoken keeps only its hash. */
  readonly url: string
  readonly link: ConnectLink
}

// Compile-time checks that the lists and the interfaces name the same fields.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
/** True: the account field list and {@link Account} agree (a compile error otherwise). */
export const ACCOUNT_FIELDS_MATCH: Same<(typeof ACCOUNT_FIELDS)[number], keyof Account> = true
/** True: the token field list and {@link TokenAnswer} agree (a compile error otherwise). */
export const TOKEN_FIELDS_MATCH: Same<(typeof TOKEN_FIELDS)[number], keyof TokenAnswer> = true
