import type { BrokerContext } from '../../broker/context.js'
import { mintDashboardSignInLink } from '../../broker/dashboard-sign-in-link.js'

/**
 * How long the link in demo mode's start banner works. Longer than a CLI-minted link
 * (`igtoken dashboard-link`): people start the demo and open the dashboard later.
 */
const START_LINK_TTL_MS = 24 * 60 * 60_000

/**
 * The one-time sign-in link demo mode prints at start. It is stored (hashed) like the links
 * `igtoken dashboard-link` mints, so the dashboard checks both the same way.
 */
export async function startSignInLink(
  ctx: Pick<BrokerContext, 'store' | 'publicUrl' | 'now'>,
): Promise<string> {
  return (await mintDashboardSignInLink(ctx, { ttlMs: START_LINK_TTL_MS })).url
}
