import type { StoreContext } from './database.js'
import { randomToken } from './ids.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { FeedRow } from './tables/feeds.table.js'

export type { FeedRow, FeedsTable } from './tables/feeds.table.js'

/** The most media items one feed may show. */
export const FEED_MAX_ITEMS = 100

/** The most origins one feed may allow. */
export const FEED_MAX_ORIGINS = 20

const FEED_ID_PATTERN = /^feed_[A-Za-z0-9_-]{32}$/

/** A feed as the API and the dashboard show it (no snapshot body). */
export interface FeedInfo {
  readonly id: string
  readonly accountId: string
  readonly label: string | null
  readonly limit: number
  readonly allowedOrigins: readonly string[]
  readonly createdAt: number
  readonly snapshotAt: number | null
  readonly lastErrorCode: string | null
  readonly lastErrorAt: number | null
}

/** What {@link createFeed} needs. */
export interface CreateFeedInput {
  readonly accountId: string
  /** Media items shown, 1–{@link FEED_MAX_ITEMS}. */
  readonly limit: number
  /** Origins (`https://example.com`) allowed to read the feed from a browser; may be empty. */
  readonly allowedOrigins: readonly string[]
  readonly label?: string | null
  readonly now: number
}

function feeds(store: StoreContext) {
  return store.db
}

/**
 * Normalises an origin as browsers send it in the `Origin` header: scheme, host and port only.
 * @param value - e.g. `https://example.com` (a trailing slash is tolerated)
 * @returns the normalised origin, e.g. `https://example.com`
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for anything with a path, query, credentials or
 *   another scheme than http/https
 */
export function normaliseOrigin(value: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw invalidArgument(
      `"allowedOrigins" entry ${JSON.stringify(value.slice(0, 100))} is not a URL`,
    )
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw invalidArgument(
      `"allowedOrigins" entry ${JSON.stringify(value.slice(0, 100))} must be an origin such as https://example.com (no path)`,
    )
  }
  return url.origin
}

/** Parses the stored origins list. @internal */
export function parseOrigins(text: string): readonly string[] {
  const parsed: unknown = JSON.parse(text)
  return Array.isArray(parsed) ? parsed.filter((o): o is string => typeof o === 'string') : []
}

/** A row as {@link FeedInfo}. */
export function feedInfo(row: FeedRow): FeedInfo {
  return {
    id: row.id,
    accountId: row.account_id,
    label: row.label,
    limit: row.media_limit,
    allowedOrigins: parseOrigins(row.allowed_origins),
    createdAt: row.created_at,
    snapshotAt: row.snapshot_at,
    lastErrorCode: row.last_error_code,
    lastErrorAt: row.last_error_at,
  }
}

/**
 * Publishes a feed for an account. The id is random (192 bits), so the feed URL cannot be guessed.
 * @returns the new feed
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad limit, origin or label; nothing is written
 * @throws the database's foreign-key error when the account does not exist
 */
export async function createFeed(store: StoreContext, input: CreateFeedInput): Promise<FeedInfo> {
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > FEED_MAX_ITEMS) {
    throw invalidArgument(`"limit" must be an integer from 1 to ${FEED_MAX_ITEMS}`)
  }
  if (!Array.isArray(input.allowedOrigins) || input.allowedOrigins.length > FEED_MAX_ORIGINS) {
    throw invalidArgument(`"allowedOrigins" must be a list of at most ${FEED_MAX_ORIGINS} origins`)
  }
  const origins = [...new Set(input.allowedOrigins.map(normaliseOrigin))]
  const label = input.label?.trim() ?? ''
  if (label.length > 100) throw invalidArgument('"label" must be at most 100 characters')
  if (typeof input.accountId !== 'string' || input.accountId === '') {
    throw invalidArgument('"accountId" must be a non-empty string')
  }
  const row = await feeds(store)
    .insertInto('feeds')
    .values({
      id: `feed_${randomToken(24)}`,
      account_id: input.accountId,
      label: label === '' ? null : label,
      media_limit: input.limit,
      allowed_origins: JSON.stringify(origins),
      created_at: checkInstant('now', input.now),
      snapshot_body: null,
      snapshot_etag: null,
      snapshot_at: null,
      last_error_code: null,
      last_error_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return feedInfo(row)
}

/**
 * Reads one feed with its snapshot.
 * @returns the row, or undefined (also for a string that is not a feed id)
 */
export async function getFeed(store: StoreContext, id: string): Promise<FeedRow | undefined> {
  if (typeof id !== 'string' || !FEED_ID_PATTERN.test(id)) return undefined
  return feeds(store).selectFrom('feeds').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Lists feeds, newest first, optionally of one account.
 * @param opts - `accountId` to filter
 */
export async function listFeeds(
  store: StoreContext,
  opts: { readonly accountId?: string } = {},
): Promise<FeedInfo[]> {
  let query = feeds(store)
    .selectFrom('feeds')
    .select([
      'id',
      'account_id',
      'label',
      'media_limit',
      'allowed_origins',
      'created_at',
      'snapshot_at',
      'last_error_code',
      'last_error_at',
    ])
  if (opts.accountId !== undefined) query = query.where('account_id', '=', opts.accountId)
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1000).execute()
  return rows.map((row) =>
    feedInfo({ ...row, snapshot_body: null, snapshot_etag: null } satisfies FeedRow),
  )
}

/**
 * Unpublishes a feed: its URL answers 404 from then on.
 * @returns true when a feed was deleted
 */
export async function deleteFeed(store: StoreContext, id: string): Promise<boolean> {
  if (typeof id !== 'string' || !FEED_ID_PATTERN.test(id)) return false
  const result = await feeds(store).deleteFrom('feeds').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/**
 * Stores a good copy of the feed and clears the last error.
 * @returns true when the feed still exists
 */
export async function saveFeedSnapshot(
  store: StoreContext,
  input: {
    readonly id: string
    readonly body: string
    readonly etag: string
    readonly now: number
  },
): Promise<boolean> {
  const result = await feeds(store)
    .updateTable('feeds')
    .set({
      snapshot_body: input.body,
      snapshot_etag: input.etag,
      snapshot_at: checkInstant('now', input.now),
      last_error_code: null,
      last_error_at: null,
    })
    .where('id', '=', input.id)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Notes a failed fetch (the code only, e.g. `meta_error`; never a message that could hold a token).
 * @returns true when the feed still exists
 */
export async function recordFeedFailure(
  store: StoreContext,
  input: { readonly id: string; readonly code: string; readonly now: number },
): Promise<boolean> {
  if (!/^[a-z0-9_.-]{1,64}$/i.test(input.code)) {
    throw invalidArgument('"code" must be a short error code')
  }
  const result = await feeds(store)
    .updateTable('feeds')
    .set({ last_error_code: input.code, last_error_at: checkInstant('now', input.now) })
    .where('id', '=', input.id)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
