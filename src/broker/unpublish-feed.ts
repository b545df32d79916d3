import { deleteFeed } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { inTransaction } from './effects/transaction.js'

/**
 * Removes a public feed: its URL answers 404 from then on, at once in this process and within a
 * second in every other one (the feed caches hear `{kind: 'feed'}`). The path of the API, the
 * dashboard and `igtoken feeds remove`.
 * @returns false when no feed has this id
 */
export async function unpublishFeed(
  ctx: Pick<BrokerContext, 'store' | 'changes' | 'now'>,
  feedId: string,
): Promise<boolean> {
  return inTransaction(ctx, async (unit) => {
    const removed = await deleteFeed(unit.store, feedId)
    if (removed) unit.invalidate({ kind: 'feed', feedId })
    return removed
  })
}
