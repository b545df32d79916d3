import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'

/** Every status an account can be in. */
export const ACCOUNT_STATUSES = ['active', 'needs_reauth', 'revoked', 'expired'] as const

/**
 * `active`: tokens work. `needs_reauth`: Meta refused the token; the user must connect again.
 * `revoked`: the user removed the app (deauthorize callback) or an operator revoked it.
 * `expired`: the token ran out before it could be refreshed.
 */
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number]

/** The `accounts` table: one Instagram account connected through one login flavor. */
export interface AccountsTable {
  /** `acc_…`, app-generated. */
  id: ColumnType<string, string, never>
  /** App-scoped user id from the code exchange; Meta's deauthorize/deletion callbacks name it. */
  meta_user_id: ColumnType<string, string, never>
  /** Instagram professional account id, when known. */
  ig_user_id: string | null
  username: string
  /** The login flavor's id (owned by `src/meta`), e.g. `instagram_login`. */
  flavor: ColumnType<string, string, never>
  /** Granted scopes, comma-separated. */
  scopes: string
  status: AccountStatus
  /** Operator's free-form label. */
  label: string | null
  /** Why the status is what it is (an error code or a short sentence; never a token). */
  status_reason: string | null
  /** Epoch ms. */
  created_at: ColumnType<number, number, never>
  /** Epoch ms. */
  updated_at: number
  /** Epoch ms of the latest successful connect. */
  connected_at: number
}

/** An `accounts` row as read. */
export type AccountRow = Selectable<AccountsTable>
/** An `accounts` row as inserted. */
export type NewAccountRow = Insertable<AccountsTable>
/** An `accounts` update. */
export type AccountUpdate = Updateable<AccountsTable>
