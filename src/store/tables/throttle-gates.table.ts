import type { ColumnType } from 'kysely'

/**
 * The `throttle_gates` table: when Meta told some instance to slow down, for the app
 * (`app`) or one business object (`buc:<id>`, `ig:<id>`), and until when.
 */
export interface ThrottleGatesTable {
  key: ColumnType<string, string, never>
  /** Epoch ms when calls may resume. */
  open_at: number
}
