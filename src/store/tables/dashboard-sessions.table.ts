import type { ColumnType, Selectable } from 'kysely'

/**
 * The `dashboard_sessions` table: signed-in operators. Kept in the database (not in memory) so
 * every instance behind a load balancer sees the same sessions. The cookie value is never stored,
 * only its SHA-256.
 */
export interface DashboardSessionsTable {
  /** SHA-256 hex of the cookie value. */
  id: ColumnType<string, string, never>
  /** The secret CSRF tokens of this session are made from (random, per session). */
  csrf_secret: ColumnType<string, string, never>
  created_at: ColumnType<number, number, never>
  /** Epoch ms; the session is refused from then on. */
  expires_at: ColumnType<number, number, never>
}

/** A `dashboard_sessions` row as read. */
export type DashboardSessionRow = Selectable<DashboardSessionsTable>
