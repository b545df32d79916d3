import { createHash } from 'node:crypto'
import { MetaApiError, getFlavor } from '../meta/index.js'
import type { Media } from '../meta/index.js'
import { getFeed, parseOrigins, recordFeedFailure, saveFeedSnapshot } from '../store/index.js'
import type { FeedRow } from '../store/index.js'
import { ExpiringCache } from './cache/index.js'
import type { BrokerContext } from './context.js'
import type { Change } from './effects/change-hub.js'
import { metaFailure } from './meta-failure.js'
import type { ServiceError } from './service-error.js'
import type { ServedToken } from './token-service.js'

/** One media item as a public feed shows it (Meta's field names; no user or account id). */
export interface FeedItem {
  readonly id: string
  readonly media_type: string | null
  readonly media_url: string | null
  readonly thumbnail_url: string | null
  readonly permalink: string | null
  readonly caption: string | null
  /** ISO 8601, or null when Meta gave none. */
  readonly timestamp: string | null
  /** Carousel children (only on `CAROUSEL_ALBUM` items). */
  readonly children?: readonly FeedItem[]
}

/** A feed response ready to send: the body is serialised once per refresh, not per request. */
export interface FeedCopy {
  /** The JSON text; a string goes out in one write with the headers (a Buffer takes two). */
  readonly body: string
  /** A strong ETag, quotes included. */
  readonly etag: string
  /** True when Meta failed or throttled at the last attempt and this is the last good copy. */
  readonly stale: boolean
  /** Epoch ms when the copy was fetched from Meta. */
  readonly fetchedAt: number
  /** Origins allowed to read it from a browser. */
  readonly allowedOrigins: readonly string[]
}

/** Options of {@link FeedPublisher}. */
export interface FeedPublisherOptions {
  /** Ask Meta at most once per this long per feed. */
  readonly refreshMs: number
  /** Feeds kept in memory at most (least recently refreshed evicted first); default 10 000. */
  readonly cacheMax?: number
}

/** The part of the token service feeds need. */
export interface FeedTokenSource {
  getToken(accountId: string): Promise<ServedToken>
  /** Meta refused the served token: a dead one moves the account to `needs_reauth`. */
  reportRefused?(served: ServedToken, error: unknown): Promise<void>
}

interface Entry {
  readonly copy: FeedCopy
  /** The account whose media it shows (its changes drop the entry). */
  readonly accountId: string
  /** When this process may next ask Meta (or the database) for a newer copy. */
  readonly recheckAt: number
}

/**
 * Serves public feeds from a cache. Each feed is fetched from Meta at most once per `refreshMs`
 * whatever the traffic: concurrent requests for an expired feed share one fetch (single flight), and
 * a copy another instance stored in the database within the interval is used instead of asking
 * Meta again. When Meta fails or throttles, the last good copy is served, marked stale.
 *
 * The cache listens to `ctx.changes`: a change of the feed, or of its account, committed by this
 * process or another one, drops the copy, so the next request reads the database again.
 */
export class FeedPublisher {
  readonly #ctx: BrokerContext
  readonly #tokens: FeedTokenSource
  readonly #refreshMs: number
  readonly #cache: ExpiringCache<string, Entry>

  constructor(ctx: BrokerContext, tokens: FeedTokenSource, options: FeedPublisherOptions) {
    if (!Number.isSafeInteger(options.refreshMs) || options.refreshMs < 1) {
      throw new TypeError('"refreshMs" must be a positive integer')
    }
    this.#ctx = ctx
    this.#tokens = tokens
    this.#refreshMs = options.refreshMs
    this.#cache = new ExpiringCache({
      maxEntries: options.cacheMax ?? 10_000,
      // Each entry carries its own lifetime (see #refresh); expired copies stay for stale serving.
      ttlMs: options.refreshMs,
      now: ctx.now,
      keepExpired: true,
    })
    ctx.changes.subscribe((change) => {
      this.#forget(change)
    })
  }

  /** The refresh interval in ms (also the `Cache-Control` max-age). */
  get refreshMs(): number {
    return this.#refreshMs
  }

  /**
   * The current copy of a feed.
   * @param feedId - the public id from the URL
   * @returns the copy, or undefined when no such feed exists
   * @throws {ServiceError} `meta_error`/`meta_unreachable`/`account_inactive` when Meta fails and
   *   no good copy exists yet
   */
  async read(feedId: string): Promise<FeedCopy | undefined> {
    const fresh = this.#cache.get(feedId)
    if (fresh !== undefined) return fresh.copy
    const entry = await this.#cache.load(
      feedId,
      () => this.#refresh(feedId, this.#cache.peek(feedId)),
      (loaded) => loaded.recheckAt - this.#ctx.now(),
    )
    return entry?.copy
  }

  /**
   * The copy in memory when it is fresh and good, without any I/O: the lean HTTP path answers
   * from it synchronously and hands everything else (a miss, an expired or stale copy) to
   * {@link read}. Shares the cache, so a change dropped through the hub is never peeked.
   * @param feedId - the public id from the URL
   */
  peek(feedId: string): FeedCopy | undefined {
    const copy = this.#cache.get(feedId)?.copy
    return copy === undefined || copy.stale ? undefined : copy
  }

  #forget(change: Change): void {
    if (change.kind === 'feed') this.#cache.delete(change.feedId)
    else if (change.kind === 'account') {
      this.#cache.deleteWhere((entry) => entry.accountId === change.accountId)
    } else if (change.kind === 'all') this.#cache.clear()
  }

  async #refresh(feedId: string, entry: Entry | undefined): Promise<Entry | undefined> {
    const now = this.#ctx.now()
    const row = await getFeed(this.#ctx.store, feedId)
    if (row === undefined) {
      this.#cache.delete(feedId)
      return undefined
    }
    const accountId = row.account_id
    const origins = parseOrigins(row.allowed_origins)
    const stored = storedCopy(row, origins)
    // Another instance (or this one before a restart) fetched it recently: no call to Meta.
    if (
      stored !== undefined &&
      row.snapshot_at !== null &&
      now - row.snapshot_at < this.#refreshMs
    ) {
      return { copy: stored, accountId, recheckAt: row.snapshot_at + this.#refreshMs }
    }
    try {
      const copy = await this.#fetch(row, origins, now)
      return { copy, accountId, recheckAt: now + this.#refreshMs }
    } catch (error) {
      const failure = asServiceError(error)
      await recordFeedFailure(this.#ctx.store, { id: feedId, code: failure.code, now })
      const last = entry?.copy ?? stored
      if (last === undefined) throw failure
      const stale: FeedCopy = { ...last, stale: true, allowedOrigins: origins }
      // Wait out Meta's own retry hint when it is longer than the interval.
      const wait = Math.max(this.#refreshMs, retryAfter(error))
      return { copy: stale, accountId, recheckAt: now + wait }
    }
  }

  async #fetch(row: FeedRow, origins: readonly string[], now: number): Promise<FeedCopy> {
    const served = await this.#tokens.getToken(row.account_id)
    const page = await this.#ctx.meta
      .listMedia(served.accessToken, {
        limit: row.media_limit,
        // Flavors whose media edge hangs off the Instagram user id (Facebook Login) need it named.
        ...(getFlavor(this.#ctx.flavor).endpoints.media.path.includes('{ig-user-id}')
          ? { igUserId: served.userId }
          : {}),
      })
      .catch(async (error: unknown) => {
        // A 190 here is the same news as a 190 on refresh: the account needs reconnecting.
        await this.#tokens.reportRefused?.(served, error)
        throw error
      })
    const items = page.items.slice(0, row.media_limit).map(toFeedItem)
    const text = JSON.stringify({ data: items })
    const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`
    await saveFeedSnapshot(this.#ctx.store, { id: row.id, body: text, etag, now })
    return {
      body: text,
      etag,
      stale: false,
      fetchedAt: now,
      allowedOrigins: origins,
    }
  }
}

function storedCopy(row: FeedRow, origins: readonly string[]): FeedCopy | undefined {
  if (row.snapshot_body === null || row.snapshot_etag === null || row.snapshot_at === null) {
    return undefined
  }
  return {
    body: row.snapshot_body,
    etag: row.snapshot_etag,
    stale: false,
    fetchedAt: row.snapshot_at,
    allowedOrigins: origins,
  }
}

/** Meta's media as the public shape; children only where Meta sent an album. */
export function toFeedItem(media: Media): FeedItem {
  const item: FeedItem = {
    id: media.id,
    media_type: media.mediaType,
    media_url: media.mediaUrl,
    thumbnail_url: media.thumbnailUrl,
    permalink: media.permalink,
    caption: media.caption,
    timestamp: media.timestamp === null ? null : new Date(media.timestamp).toISOString(),
  }
  return media.children.length === 0 ? item : { ...item, children: media.children.map(toFeedItem) }
}

function retryAfter(error: unknown): number {
  return error instanceof MetaApiError && error.retryAfterMs !== null ? error.retryAfterMs : 0
}

function asServiceError(error: unknown): ServiceError {
  return metaFailure(error, { step: 'media' })
}
