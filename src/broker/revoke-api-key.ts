import { markApiKeyRevoked } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { inTransaction } from './effects/transaction.js'

/**
 * Revokes an API key: the one path of the API, the dashboard and `igtoken keys revoke`. After
 * commit the key is refused at once in this process (its guard hears `{kind: 'api-key'}` on
 * `ctx.changes`) and, through the store's change watcher, within a second in every other one.
 * @param ctx - the store, the hub and the clock (the CLI needs no Meta client for this)
 * @param keyId - the key's id (`key_…`)
 * @returns true when a live key was revoked, false when none has this id or it was revoked already
 */
export async function revokeApiKey(
  ctx: Pick<BrokerContext, 'store' | 'changes' | 'now'>,
  keyId: string,
): Promise<boolean> {
  return inTransaction(ctx, async (unit) => {
    const revoked = await markApiKeyRevoked(unit.store, keyId, ctx.now())
    if (revoked) unit.invalidate({ kind: 'api-key', keyId })
    return revoked
  })
}
