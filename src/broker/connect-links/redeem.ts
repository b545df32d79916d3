import { getConnectLink, markConnectLinkUsed } from '../../store/index.js'
import type { StoreContext } from '../../store/index.js'
import type { EventData } from '../effects/index.js'
import { ServiceError } from '../service-error.js'
import { connectLinkState } from './link-view.js'

/** What `account.connected` tells about the link that connected the account. */
export interface RedeemedLink {
  readonly id: string
  readonly label: string | null
  readonly metadata: EventData
}

/**
 * Uses a link for an account, exactly once: one conditional UPDATE (the store's), so a replay or
 * a second browser finishing the same link at the same moment loses. Called inside the
 * transaction that saves the account, so a lost race saves nothing.
 * @throws {ServiceError} `link_gone` when the link is used, expired or cancelled
 */
export async function redeemConnectLink(
  store: StoreContext,
  input: { readonly linkId: string; readonly accountId: string; readonly now: number },
): Promise<RedeemedLink> {
  const used = await markConnectLinkUsed(store, {
    id: input.linkId,
    accountId: input.accountId,
    now: input.now,
  })
  if (used !== undefined) {
    return { id: used.id, label: used.label, metadata: JSON.parse(used.metadata) as EventData }
  }
  const row = await getConnectLink(store, input.linkId)
  throw linkGone(row === undefined ? 'cancelled' : connectLinkState(row, input.now))
}

/** The refusal of a link that can no longer be used, in the words of its state. */
export function linkGone(state: string): ServiceError {
  const why: Record<string, string> = {
    used: 'this link was already used to connect an account',
    expired: 'this link has expired',
    cancelled: 'this link was cancelled',
  }
  return new ServiceError('link_gone', why[state] ?? 'this link can no longer be used', {
    reason: state,
    hint: 'ask whoever sent it for a new link',
  })
}
