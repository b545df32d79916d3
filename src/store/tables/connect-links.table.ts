import type { ColumnType, Selectable } from 'kysely'

/**
 * The `connect_links` table: single-use links an agency sends a client to connect an account.
 * The link's secret is never stored, only its SHA-256, like API keys.
 */
export interface ConnectLinksTable {
  id: ColumnType<string, string, never>
  /** SHA-256 hex of the secret part of the link's URL. Unique. */
  token_hash: ColumnType<string, string, never>
  label: ColumnType<string | null, string | null, never>
  /** The agency's own facts (JSON object of plain values, screened like event details). */
  metadata: ColumnType<string, string, never>
  /** The scopes the link asks for, comma-separated (empty: the service's). */
  scopes: ColumnType<string, string, never>
  /** Where the browser goes afterwards: a path on this site or a URL on an allowed origin. */
  return_to: ColumnType<string | null, string | null, never>
  created_at: ColumnType<number, number, never>
  expires_at: ColumnType<number, number, never>
  used_at: number | null
  /** The account the link connected, once used. */
  account_id: string | null
  cancelled_at: number | null
}

/** A `connect_links` row as read. */
export type ConnectLinkRow = Selectable<ConnectLinksTable>
