import type { ColumnType, Selectable } from 'kysely'

/** What a committed change was about; the caches of every process forget it. */
export type StoreChangeKind = 'account' | 'api-key' | 'feed' | 'all'

/** Every {@link StoreChangeKind}. */
export const STORE_CHANGE_KINDS: readonly StoreChangeKind[] = Object.freeze([
  'account',
  'api-key',
  'feed',
  'all',
])

/**
 * The `store_changes` table (SQLite; PostgreSQL uses NOTIFY instead and leaves it empty): a
 * short log of committed changes, read by the change watchers of the other processes. Rows older
 * than a few minutes are pruned by the writers.
 */
export interface StoreChangesTable {
  /** 1, 2, 3… in commit order (assigned under SQLite's write lock). */
  seq: ColumnType<number, number, never>
  kind: ColumnType<StoreChangeKind, StoreChangeKind, never>
  /** The account, key or feed id; null for `all`. */
  ref: ColumnType<string | null, string | null, never>
  /** The writing process (its change hub), so a watcher skips its own process's changes. */
  origin: ColumnType<string, string, never>
  created_at: ColumnType<number, number, never>
}

/** A `store_changes` row as read. */
export type StoreChangeRow = Selectable<StoreChangesTable>
