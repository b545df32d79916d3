import type { ColumnType } from 'kysely'

/**
 * The `dashboard_sign_in_links` table: one-time links into the dashboard (the demo's start banner,
 * `igtoken dashboard-link`). Only the SHA-256 of the link's secret is stored.
 */
export interface DashboardSignInLinksTable {
  /** SHA-256 hex of the link's secret. */
  id: ColumnType<string, string, never>
  created_at: ColumnType<number, number, never>
  /** Epoch ms; the link is refused from then on. */
  expires_at: ColumnType<number, number, never>
  /** Epoch ms of its one use; null while unused. */
  used_at: ColumnType<number | null, never, number>
}
