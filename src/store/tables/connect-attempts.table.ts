import type { ColumnType, Selectable } from 'kysely'

/**
 * The `connect_attempts` table: the server-side half of an OAuth connect. It survives restarts and
 * is shared by every instance, so the state never goes "missing" behind a load balancer.
 */
export interface ConnectAttemptsTable {
  id: ColumnType<string, string, never>
  /** SHA-256 hex of the OAuth `state` (a CSRF secret, never stored in clear). Unique. */
  state_hash: ColumnType<string, string, never>
  /** SHA-256 hex of the browser-binding cookie value. */
  browser_hash: ColumnType<string, string, never>
  /** The login flavor's id the attempt started with. */
  flavor: ColumnType<string, string, never>
  /** Where to send the browser afterwards (validated by the caller). */
  return_to: string | null
  /** Requested scopes, comma-separated. */
  scopes: string
  label: string | null
  created_at: ColumnType<number, number, never>
  expires_at: ColumnType<number, number, never>
  used_at: number | null
  /** The connect link the attempt was started from, if any. */
  connect_link_id: ColumnType<string | null, string | null | undefined, never>
  /** How it ended, e.g. `connected`, `denied`, `failed:<code>`. */
  outcome: string | null
}

/** A `connect_attempts` row as read. */
export type ConnectAttemptRow = Selectable<ConnectAttemptsTable>
