import { getConnectLink, markConnectLinkCancelled } from '../../store/index.js'
import type { BrokerContext } from '../context.js'
import { ServiceError } from '../service-error.js'
import { connectLinkView } from './link-view.js'
import type { ConnectLinkView } from './link-view.js'

/**
 * Cancels a link so it can no longer connect an account. Cancelling twice is harmless; a used
 * link cannot be cancelled (its account stays: disconnect that instead).
 * @throws {ServiceError} `not_found` for an unknown id, `link_used` for a used link
 */
export async function cancelConnectLink(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  id: string,
): Promise<ConnectLinkView> {
  const now = ctx.now()
  const cancelled = await markConnectLinkCancelled(ctx.store, id, now)
  if (cancelled !== undefined) return connectLinkView(cancelled, now)
  const row = await getConnectLink(ctx.store, id)
  if (row === undefined) throw new ServiceError('not_found', 'no connect link has this id')
  if (row.used_at !== null) {
    throw new ServiceError('link_used', 'this link was already used to connect an account', {
      hint: 'disconnect the account instead',
    })
  }
  return connectLinkView(row, now)
}
