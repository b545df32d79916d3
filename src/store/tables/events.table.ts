import type { ColumnType, Selectable } from 'kysely'

/** The `events` table: an append-only log per account. No foreign key, so rows can outlive it. */
export interface EventsTable {
  id: ColumnType<string, string, never>
  account_id: ColumnType<string | null, string | null, never>
  meta_user_id: ColumnType<string | null, string | null, never>
  /** e.g. `account.connected`, `token.refreshed`, `token.refresh_failed`. */
  type: ColumnType<string, string, never>
  /** JSON object text; never a token. */
  detail: ColumnType<string, string, never>
  created_at: ColumnType<number, number, never>
}

/** An `events` row as read. */
export type EventRow = Selectable<EventsTable>
