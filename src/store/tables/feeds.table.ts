import type { ColumnType, Selectable } from 'kysely'

/**
 * The `feeds` table: a public, read-only JSON feed of one account's latest media. The id is the
 * public handle (random, unguessable); the last good copy is kept so a failure at Meta, a restart
 * or another instance can still serve it.
 */
export interface FeedsTable {
  /** `feed_…`, random; it appears in the public URL `/feeds/{id}.json`. */
  id: ColumnType<string, string, never>
  account_id: ColumnType<string, string, never>
  /** Operator's note, e.g. "homepage grid". */
  label: string | null
  /** How many media items the feed shows (1–100). */
  media_limit: number
  /** JSON array of origins allowed to read the feed from a browser (CORS). */
  allowed_origins: string
  created_at: ColumnType<number, number, never>
  /** The last good response body (JSON text), or null before the first success. */
  snapshot_body: string | null
  /** Its strong ETag, quotes included. */
  snapshot_etag: string | null
  /** Epoch ms when the snapshot was fetched from Meta. */
  snapshot_at: number | null
  /** The code of the latest failed fetch (never a token), cleared by a success. */
  last_error_code: string | null
  last_error_at: number | null
}

/** A `feeds` row as read. */
export type FeedRow = Selectable<FeedsTable>
