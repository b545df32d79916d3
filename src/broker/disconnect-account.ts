import {
  createDeletionRequest,
  deleteAccount,
  deleteFeed,
  listAccountsOfMetaUser,
  getAccount,
  listFeeds,
  markDeletionCompleted,
  purgeMetaUser,
  revokeAccount,
} from '../store/index.js'
import type { AccountRow, DeletionSource } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { inTransaction } from './effects/index.js'
import type { UnitOfWork } from './effects/index.js'
import { ServiceError } from './service-error.js'

/** Why an account is disconnected: who asked, which decides what is kept. */
export const DISCONNECT_REASONS = [
  'api',
  'dashboard',
  'cli',
  'manual_deletion',
  'deauthorize',
  'data_deletion',
] as const

/** One of {@link DISCONNECT_REASONS}. */
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number]

/** The account to disconnect: by its id, or by the app-scoped Meta user id Meta's callbacks name. */
export type DisconnectTarget = { readonly accountId: string } | { readonly metaUserId: string }

/**
 * What each reason does to the rows:
 * - `delete`: the account, its tokens and feeds are deleted; its events stay as history.
 * - `revoke`: the person removed the app: tokens and feeds are deleted, the account is kept as
 *   `revoked` so operators see what happened.
 * - `purge`: a data-deletion request: every row about the person goes (accounts, tokens, feeds,
 *   events); a deletion request row with a confirmation code is the audit trail.
 */
type Outcome =
  | { readonly kind: 'delete' }
  | { readonly kind: 'revoke'; readonly statusReason: string }
  | { readonly kind: 'purge'; readonly source: DeletionSource }

const OUTCOMES: Readonly<Record<DisconnectReason, Outcome>> = {
  api: { kind: 'delete' },
  dashboard: { kind: 'delete' },
  cli: { kind: 'delete' },
  manual_deletion: { kind: 'purge', source: 'manual' },
  deauthorize: { kind: 'revoke', statusReason: 'the user removed the app' },
  data_deletion: { kind: 'purge', source: 'meta' },
}

const META_USER_ID = /^[A-Za-z0-9_.:-]{1,128}$/

/** What {@link disconnectAccount} did. */
export interface Disconnected {
  /** The accounts disconnected, as they were before (none for an unknown Meta user). */
  readonly accounts: readonly AccountRow[]
  /** The public feeds unpublished with them. */
  readonly feedIds: readonly string[]
  /** For a data deletion: the request whose status page Meta and the person are shown. */
  readonly deletion?: {
    readonly confirmationCode: string
    /** What was deleted, e.g. `deleted 1 account(s) and 4 event(s)`. */
    readonly detail: string
  }
}

/** Options of {@link disconnectAccount} that Meta's callbacks need. */
export interface DisconnectOptions {
  /**
   * Epoch ms the request was issued: an account connected after it is left alone (the request is
   * about an earlier connection, e.g. a replayed deauthorize after the person reconnected).
   */
  readonly issuedAt?: number
  /** Runs inside the transaction once the work is done: a throw undoes it all. */
  readonly within?: (unit: UnitOfWork, done: Disconnected) => Promise<void>
}

/**
 * The only remover of connected accounts: the token API's DELETE, the dashboard's Disconnect and
 * manual deletion, `igtoken accounts delete`, and Meta's deauthorize and data-deletion callbacks
 * all call it. In one transaction: the rows go (or the account is revoked) as the reason demands,
 * the account's feeds are unpublished, and `account.deleted` / `account.revoked` is recorded
 * (event + webhooks); after commit the account and its feeds are published on `ctx.changes`, so
 * caches stop serving them.
 *
 * @throws {ServiceError} `not_found` for an unknown account id, `invalid_request` for a malformed
 *   Meta user id; nothing changes. An unknown Meta user is not an error (Meta's callbacks must
 *   succeed for people who never connected).
 */
export async function disconnectAccount(
  ctx: Pick<BrokerContext, 'store' | 'changes' | 'now' | 'flavor'>,
  target: DisconnectTarget,
  reason: DisconnectReason,
  options: DisconnectOptions = {},
): Promise<Disconnected> {
  const outcome = OUTCOMES[reason]
  if ('metaUserId' in target && !META_USER_ID.test(target.metaUserId)) {
    throw new ServiceError(
      'invalid_request',
      'the Meta user id must be 1 to 128 of A-Z a-z 0-9 _.:-',
    )
  }
  return inTransaction(ctx, async (unit) => {
    const now = ctx.now()
    const found = await accountsOf(ctx, unit, target)
    // Seconds, as Meta signs: a request issued within the connection's second still applies.
    const { issuedAt } = options
    const accounts =
      issuedAt === undefined
        ? found
        : found.filter((a) => Math.floor(a.connected_at / 1000) * 1000 <= issuedAt)
    const predates = accounts.length < found.length
    const feedIds: string[] = []
    for (const account of accounts) {
      for (const feed of await listFeeds(unit.store, { accountId: account.id })) {
        await deleteFeed(unit.store, feed.id)
        unit.invalidate({ kind: 'feed', feedId: feed.id })
        feedIds.push(feed.id)
      }
    }
    let deletion: Disconnected['deletion']
    if (outcome.kind === 'purge') {
      const metaUserId = 'metaUserId' in target ? target.metaUserId : accounts[0]?.meta_user_id
      if (metaUserId === undefined) throw new ServiceError('not_found', 'no account has this id')
      const request = await createDeletionRequest(unit.store, {
        metaUserId,
        source: outcome.source,
        now,
      })
      const flavor = accounts[0]?.flavor ?? ctx.flavor
      // A request older than the current connection deletes nothing the person gave since.
      const purged = predates ? undefined : await purgeMetaUser(unit.store, metaUserId, { flavor })
      const detail =
        purged === undefined
          ? 'deleted nothing: the request predates the current connection'
          : `deleted ${String(purged.accounts)} account(s) and ${String(purged.events)} event(s)`
      await markDeletionCompleted(unit.store, request.id, now, detail)
      deletion = { confirmationCode: request.confirmation_code, detail }
    }
    for (const account of accounts) {
      if (outcome.kind === 'delete') await deleteAccount(unit.store, account.id)
      if (outcome.kind === 'revoke') {
        await revokeAccount(unit.store, account.id, outcome.statusReason, now)
      }
      await unit.record({
        type: outcome.kind === 'revoke' ? 'account.revoked' : 'account.deleted',
        account: outcome.kind === 'revoke' ? { ...account, status: 'revoked' } : account,
        data: { source: reason },
        // Recorded after the purge, so the only event left is this one, and it names no person.
        ...(outcome.kind === 'purge' ? { anonymous: true } : {}),
      })
    }
    const done = { accounts, feedIds, ...(deletion === undefined ? {} : { deletion }) }
    await options.within?.(unit, done)
    return done
  })
}

async function accountsOf(
  ctx: Pick<BrokerContext, 'flavor'>,
  unit: UnitOfWork,
  target: DisconnectTarget,
): Promise<AccountRow[]> {
  if ('accountId' in target) {
    const account = await getAccount(unit.store, target.accountId)
    if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
    return [account]
  }
  // App-scoped ids are per app, so a callback names accounts of this service's flavor only: every
  // one of them (a Facebook login owns one per Instagram account of its Pages).
  return listAccountsOfMetaUser(unit.store, ctx.flavor, target.metaUserId)
}
