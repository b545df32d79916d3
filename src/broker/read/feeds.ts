// Feeds for the edges: listing, one feed, and creation (unpublishing, which must reach the feed
// cache, is the use case unpublish-feed.ts).
import * as store from '../../store/index.js'
import type { After, StoreReader } from './reader.js'

export { FEED_MAX_ITEMS, FEED_MAX_ORIGINS, feedInfo } from '../../store/index.js'

/** Every feed, optionally of one account. */
export function listFeeds(ctx: StoreReader, ...args: After<typeof store.listFeeds>) {
  return store.listFeeds(ctx.store, ...args)
}

/** One feed row by id, or undefined. */
export function getFeed(ctx: StoreReader, ...args: After<typeof store.getFeed>) {
  return store.getFeed(ctx.store, ...args)
}

/** A new feed of an account. */
export function createFeed(ctx: StoreReader, ...args: After<typeof store.createFeed>) {
  return store.createFeed(ctx.store, ...args)
}
