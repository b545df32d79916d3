import { listConnectLinks } from '../../store/index.js'
import type { BrokerContext } from '../context.js'
import { connectLinkView } from './link-view.js'
import type { ConnectLinkView } from './link-view.js'

/** One page of links, newest first, each with its state. */
export interface ConnectLinkPage {
  readonly items: readonly ConnectLinkView[]
  readonly nextCursor?: string
}

/**
 * Lists connect links a page at a time (never their secrets).
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad limit or cursor
 */
export async function listConnectLinkViews(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  options: { readonly limit?: number; readonly cursor?: string } = {},
): Promise<ConnectLinkPage> {
  const page = await listConnectLinks(ctx.store, options)
  const now = ctx.now()
  const items = page.items.map((row) => connectLinkView(row, now))
  return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor }
}
