import type { StoreContext } from './database.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { TokenRow } from './tables/tokens.table.js'
import { checkLeaseOwner } from './lease-owner.js'

/**
 * Leases one token whether or not it is due (an on-demand refresh), unless someone else holds a
 * lease on it that has not run out. One conditional `UPDATE … RETURNING`, so two claimers in any
 * number of processes never both get it.
 * @param store - the store
 * @param input - the token id, who claims, the clock and the lease length
 * @returns the leased row, or undefined when the token is gone or leased by someone else
 */
export async function claimToken(
  store: StoreContext,
  input: {
    readonly tokenId: string
    readonly owner: string
    readonly now: number
    readonly leaseMs: number
  },
): Promise<TokenRow | undefined> {
  const owner = checkLeaseOwner(input.owner)
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.leaseMs) || input.leaseMs < 1) {
    throw invalidArgument('"leaseMs" must be a positive integer')
  }
  return store.db
    .updateTable('tokens')
    .set({ lease_owner: owner, lease_until: now + input.leaseMs })
    .where('id', '=', input.tokenId)
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<=', now),
        eb('lease_owner', '=', owner),
      ]),
    )
    .returningAll()
    .executeTakeFirst()
}

/**
 * Sets when a leased token is next looked at and gives the lease back, without touching the token
 * or its failure counters (a validity check that passed, a warning sent, a throttle pause).
 * @param store - the store
 * @param input - the token id, the lease holder, the next due time (null = never) and the clock
 * @returns true when `owner` still held the lease
 */
export async function rescheduleToken(
  store: StoreContext,
  input: {
    readonly tokenId: string
    readonly owner: string
    readonly nextRefreshAt: number | null
    readonly now: number
  },
): Promise<boolean> {
  const owner = checkLeaseOwner(input.owner)
  const now = checkInstant('now', input.now)
  if (input.nextRefreshAt !== null) checkInstant('nextRefreshAt', input.nextRefreshAt)
  const result = await store.db
    .updateTable('tokens')
    .set({
      next_refresh_at: input.nextRefreshAt,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('id', '=', input.tokenId)
    .where('lease_owner', '=', owner)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Stops scheduling every token of an account (it needs a new login, or was revoked): the tokens
 * are kept, `next_refresh_at` is cleared and leases are released.
 * @param store - the store
 * @param accountId - the account
 * @param now - epoch ms
 * @returns how many tokens were touched
 */
export async function unscheduleAccountTokens(
  store: StoreContext,
  accountId: string,
  now: number,
): Promise<number> {
  checkInstant('now', now)
  const result = await store.db
    .updateTable('tokens')
    .set({ next_refresh_at: null, lease_owner: null, lease_until: null, updated_at: now })
    .where('account_id', '=', accountId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * The soonest expiry among tokens of active accounts (for the "time to expiry of the closest
 * token" metric). One indexed aggregate, no rows loaded.
 * @param store - the store
 * @returns epoch ms, or null when no active account has an expiring token
 */
export async function soonestTokenExpiry(store: StoreContext): Promise<number | null> {
  const row = await store.db
    .selectFrom('tokens')
    .innerJoin('accounts', 'accounts.id', 'tokens.account_id')
    .select((eb) => eb.fn.min('tokens.expires_at').as('soonest'))
    .where('accounts.status', '=', 'active')
    .where('tokens.expires_at', 'is not', null)
    .where('tokens.kind', '!=', 'short_lived')
    .executeTakeFirst()
  const soonest = row?.soonest
  return soonest ?? null
}
