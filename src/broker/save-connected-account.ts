import { randomInt } from 'node:crypto'
import { getAccount, saveToken, upsertAccount } from '../store/index.js'
import type { AccountRow } from '../store/index.js'
import type { CompletedLogin } from './complete-login.js'
import type { BrokerContext } from './context.js'
import { redeemConnectLink } from './connect-links/redeem.js'
import { eventInstant, inTransaction } from './effects/index.js'
import { nextRefreshAt } from './refresh-policy.js'
import { ServiceError } from './service-error.js'

/** Where a login came from: recorded on the `account.connected` event as `via`. */
export type ConnectVia = 'connect' | 'cli'

/** What {@link saveConnectedAccount} stored. */
export interface SavedAccount {
  readonly account: AccountRow
  /** False when the Meta user was connected before: its token was replaced. */
  readonly created: boolean
}

/**
 * The only writer of accounts and tokens from a login (the `/callback` route and
 * `igtoken login --save`): upserts the account by flavor and app-scoped Meta user id (connecting
 * again replaces the tokens, never duplicates), seals every token with the keyring, and records
 * `account.connected` (event + webhooks), all in one transaction; after commit the account's
 * change reaches the process's caches.
 *
 * @param options - `label` for a new account (`undefined`/`null` keeps the current one); `via`
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) when Meta's ids do not fit the store; nothing written
 */
export async function saveConnectedAccount(
  ctx: Pick<BrokerContext, 'store' | 'keyring' | 'changes' | 'now'>,
  login: CompletedLogin,
  options: {
    readonly label?: string | null
    readonly via: ConnectVia
    /** A connect link to use up in the same transaction (a lost race saves nothing). */
    readonly connectLinkId?: string | null
  },
): Promise<SavedAccount> {
  return inTransaction(ctx, async (unit) => {
    const now = ctx.now()
    const upserted = await upsertAccount(unit.store, {
      flavor: login.flavor,
      metaUserId: login.metaUserId,
      igUserId: login.igUserId,
      username: login.username,
      scopes: login.scopes,
      ...(options.label == null ? {} : { label: options.label }),
      now,
    })
    for (const token of login.tokens) {
      await saveToken(unit.store, ctx.keyring, {
        accountId: upserted.id,
        kind: token.kind,
        accessToken: token.accessToken,
        issuedAt: login.issuedAt,
        expiresAt: token.expiresAt,
        nextRefreshAt: nextRefreshAt(
          { kind: token.kind, issuedAt: login.issuedAt, expiresAt: token.expiresAt },
          // Spread the refreshes of accounts connected together over the refresh window.
          randomInt(0, 1_000_000) / 1_000_000,
        ),
        expectedVersion: 'any',
        now,
      })
    }
    const account = await getAccount(unit.store, upserted.id)
    if (account === undefined) {
      throw new ServiceError('internal', 'the account vanished while it was saved')
    }
    const link =
      options.connectLinkId == null
        ? undefined
        : await redeemConnectLink(unit.store, {
            linkId: options.connectLinkId,
            accountId: account.id,
            now,
          })
    await unit.record({
      type: 'account.connected',
      account,
      data: {
        flavor: login.flavor,
        reconnected: !upserted.created,
        expires_at: eventInstant(login.userToken.expiresAt),
        via: options.via,
        ...(link === undefined
          ? {}
          : {
              connect_link_id: link.id,
              connect_link_label: link.label,
              connect_link_metadata: JSON.stringify(link.metadata),
            }),
      },
    })
    return { account, created: upserted.created }
  })
}
