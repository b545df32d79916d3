import type { ColumnType, Selectable } from 'kysely'

/** Every kind of token we keep. */
export const TOKEN_KINDS = [
  'instagram_long_lived',
  'facebook_user_long_lived',
  'facebook_page',
  'basic_display_long_lived',
  'short_lived',
] as const

/** What a token is, which decides how it is refreshed. */
export type TokenKind = (typeof TOKEN_KINDS)[number]

/**
 * The `tokens` table: at most one token per (account, kind), sealed with the keyring.
 * `version` grows by one on each new token value so writers can refuse to overwrite a newer one.
 */
export interface TokensTable {
  /** `tok_…`, app-generated; part of the ciphertext's AAD, so it never changes. */
  id: ColumnType<string, string, never>
  account_id: ColumnType<string, string, never>
  kind: ColumnType<TokenKind, TokenKind, never>
  /** `v1.<iv>.<tag>.<ct>` sealed under `key_id`. */
  ciphertext: string
  key_id: string
  /** Epoch ms when Meta issued the current value. */
  issued_at: number
  /** Epoch ms; null when the token never expires (e.g. some page tokens). */
  expires_at: number | null
  /** Epoch ms of the latest successful refresh. */
  refreshed_at: number | null
  version: number
  /** Epoch ms when the refresh engine should look at it; null = never. Indexed. */
  next_refresh_at: number | null
  /** Who holds the refresh lease. */
  lease_owner: string | null
  /** Epoch ms when the lease lapses. */
  lease_until: number | null
  /** Consecutive failed refreshes since the last success. */
  attempts: number
  last_error_code: string | null
  /** Short, redacted; never a token. */
  last_error_message: string | null
  last_error_at: number | null
  created_at: ColumnType<number, number, never>
  updated_at: number
}

/** A `tokens` row as read (still sealed). */
export type TokenRow = Selectable<TokensTable>
