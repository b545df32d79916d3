import { findConnectLinkBySecret } from '../../store/index.js'
import type { BrokerContext } from '../context.js'
import { startConnect } from '../connect.js'
import type { StartedConnect } from '../connect.js'
import { ServiceError } from '../service-error.js'
import { linkGone } from './redeem.js'
import { connectLinkView } from './link-view.js'
import type { ConnectLinkView } from './link-view.js'

// What randomSecret() makes; anything else is unknown without a lookup.
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * The pending link behind a link's secret, for its page.
 * @throws {ServiceError} `not_found` (unknown secret), `link_gone` (used, expired, cancelled)
 */
export async function openConnectLink(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  secret: string,
): Promise<ConnectLinkView> {
  const row = SECRET_PATTERN.test(secret)
    ? await findConnectLinkBySecret(ctx.store, secret)
    : undefined
  if (row === undefined) throw new ServiceError('not_found', 'this link does not exist')
  const view = connectLinkView(row, ctx.now())
  if (view.state !== 'pending') throw linkGone(view.state)
  return view
}

/**
 * Starts Meta's login for a pending link through the one connect path ({@link startConnect}):
 * the attempt remembers the link, and the callback uses it up when it saves the account.
 * @throws {ServiceError} as {@link openConnectLink} and {@link startConnect}
 */
export async function startLinkConnect(
  ctx: BrokerContext,
  secret: string,
): Promise<StartedConnect> {
  const link = await openConnectLink(ctx, secret)
  return startConnect(ctx, {
    returnTo: link.return_to ?? undefined,
    scopes: link.scopes.length === 0 ? undefined : link.scopes,
    label: link.label ?? undefined,
    connectLinkId: link.id,
  })
}
