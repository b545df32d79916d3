import type { ColumnType, Selectable } from 'kysely'

/**
 * The `seen_signed_requests` table: Meta callbacks already handled, remembered for as long as
 * they would verify, so that a replay changes nothing and gets the first answer again.
 */
export interface SeenSignedRequestsTable {
  /** SHA-256 (hex) of the callback kind and the decoded signature bytes; never the value itself. */
  id: ColumnType<string, string, never>
  /** `deauthorize` or `data_deletion`. */
  kind: ColumnType<string, string, never>
  /** The confirmation code a data deletion answered (null for a deauthorize). */
  confirmation_code: ColumnType<string | null, string | null, never>
  /** How many accounts the first request disconnected. */
  accounts: ColumnType<number, number, never>
  /** Epoch ms. */
  seen_at: ColumnType<number, number, never>
  /** Epoch ms after which the request no longer verifies and the row may go. */
  expires_at: ColumnType<number, number, never>
}

/** A `seen_signed_requests` row as read. */
export type SeenSignedRequestRow = Selectable<SeenSignedRequestsTable>
