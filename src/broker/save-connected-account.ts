import { randomInt } from 'node:crypto'
import {
  adoptLegacyFacebookAccount,
  getAccount,
  listAccountsOfMetaUser,
  saveToken,
  setAccountStatus,
  unscheduleAccountTokens,
  upsertAccount,
} from '../store/index.js'
import type { AccountRow } from '../store/index.js'
import type { CompletedLogin, LoginAccount, WonToken } from './complete-login.js'
import type { BrokerContext } from './context.js'
import { redeemConnectLink } from './connect-links/redeem.js'
import type { RedeemedLink } from './connect-links/redeem.js'
import { eventInstant, inTransaction } from './effects/index.js'
import type { UnitOfWork } from './effects/index.js'
import { nextRefreshAt } from './refresh-policy.js'
import { ServiceError } from './service-error.js'

/** Where a login came from: recorded on the `account.connected` event as `via`. */
export type ConnectVia = 'connect' | 'cli'

/** The status reason of an account whose Page a new login of the same person no longer grants. */
const PAGE_NOT_GRANTED = 'page_not_granted'

/** One account {@link saveConnectedAccount} stored. */
export interface SavedLoginAccount {
  readonly account: AccountRow
  /** False when this Instagram account of the login was connected before: its tokens were replaced. */
  readonly created: boolean
}

/** What {@link saveConnectedAccount} stored. */
export interface SavedAccount extends SavedLoginAccount {
  /** Every account the login connected, in Meta's order; the first is `account` above. */
  readonly accounts: readonly SavedLoginAccount[]
  /**
   * Accounts of the same login left out of it (a Facebook Page no longer granted): now
   * `needs_reauth` with reason {@link PAGE_NOT_GRANTED}, tokens kept, refreshes stopped.
   */
  readonly ungranted: readonly AccountRow[]
}

/**
 * The only writer of accounts and tokens from a login (the `/callback` route and
 * `igtoken login --save`): upserts one account per Instagram account of the login, keyed by
 * flavor, app-scoped Meta user id and Instagram account id (connecting again replaces the tokens,
 * never duplicates), seals every token with the keyring, and records `account.connected` for each
 * (event + webhooks). Accounts of the same login that it no longer includes (a Page taken out of a
 * Facebook grant) become `needs_reauth` with `account.needs_reauth`. All in one transaction; after
 * commit the changes reach the process's caches.
 *
 * Each account keeps its own sealed copy of the shared user token: the row identity is the
 * ciphertext's AAD, refresh leases and disconnection stay per account, and removing one account
 * never touches another's tokens.
 *
 * @param options - `label` for new accounts (`undefined`/`null` keeps the current one); `via`
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
    // A link is used up once, for the login's first account; every account it brought carries it.
    let link: RedeemedLink | undefined
    const redeem = async (accountId: string): Promise<RedeemedLink | undefined> => {
      if (options.connectLinkId == null) return undefined
      link ??= await redeemConnectLink(unit.store, {
        linkId: options.connectLinkId,
        accountId,
        now: ctx.now(),
      })
      return link
    }
    const saved: SavedLoginAccount[] = []
    for (const one of login.accounts) {
      saved.push(await saveOne(ctx, unit, login, one, options, redeem))
    }
    const [first] = saved
    if (first === undefined) throw new ServiceError('internal', 'a login without an account')
    // Only a Facebook login grants Pages: an Instagram login is one account, updated in place.
    const ungranted =
      login.flavor === 'facebook-login' ? await markUngranted(unit, login, ctx.now()) : []
    return { ...first, accounts: saved, ungranted }
  })
}

async function saveOne(
  ctx: Pick<BrokerContext, 'keyring' | 'now'>,
  unit: UnitOfWork,
  login: CompletedLogin,
  one: LoginAccount,
  options: { readonly label?: string | null; readonly via: ConnectVia },
  redeem: (accountId: string) => Promise<RedeemedLink | undefined>,
): Promise<SavedLoginAccount> {
  const now = ctx.now()
  if (one.pageId !== null) {
    await adoptLegacyFacebookAccount(unit.store, {
      flavor: login.flavor,
      metaUserId: login.metaUserId,
      igUserId: one.igUserId,
    })
  }
  const upserted = await upsertAccount(unit.store, {
    flavor: login.flavor,
    metaUserId: login.metaUserId,
    igUserId: one.igUserId,
    username: one.username,
    scopes: login.scopes,
    ...(options.label == null ? {} : { label: options.label }),
    now,
  })
  const tokens: readonly WonToken[] = [login.userToken, ...one.tokens]
  for (const token of tokens) {
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
  const link = await redeem(account.id)
  await unit.record({
    type: 'account.connected',
    account,
    data: {
      flavor: login.flavor,
      reconnected: !upserted.created,
      expires_at: eventInstant(login.userToken.expiresAt),
      via: options.via,
      page_id: one.pageId,
      accounts_in_login: login.accounts.length,
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
}

/**
 * The login's other accounts (Facebook Login: Pages no longer granted) become `needs_reauth`:
 * not removed, because the person did not remove the app and granting the Page again in a new
 * login makes the account `active` again with its id, label, feeds and history.
 */
async function markUngranted(
  unit: UnitOfWork,
  login: CompletedLogin,
  now: number,
): Promise<AccountRow[]> {
  const included = new Set(login.accounts.map((a) => a.igUserId))
  const marked: AccountRow[] = []
  for (const other of await listAccountsOfMetaUser(unit.store, login.flavor, login.metaUserId)) {
    if (other.ig_user_id !== null && included.has(other.ig_user_id)) continue
    if (other.status !== 'active') continue
    await setAccountStatus(unit.store, other.id, 'needs_reauth', PAGE_NOT_GRANTED, now)
    await unscheduleAccountTokens(unit.store, other.id, now)
    const account = { ...other, status: 'needs_reauth' as const, status_reason: PAGE_NOT_GRANTED }
    await unit.record({
      type: 'account.needs_reauth',
      account,
      data: { trigger: 'login', reason: PAGE_NOT_GRANTED, meta_code: null, meta_subcode: null },
    })
    marked.push(account)
  }
  return marked
}
