// Every query of the tokens' leases: the batch claim, the single claim, the heartbeat, the
// release and the reschedule. The fenced writes of a refresh's result are in token-repository.
import type { CompiledQuery } from 'kysely'
import type { StoreContext } from './database.js'
import { checkInstant, pageLimit } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { TokenRow } from './tables/tokens.table.js'
import { checkLeaseOwner } from './lease-owner.js'

/** Arguments of {@link claimDueTokens}. */
export interface ClaimDueTokensInput {
  /** Who claims: unique per process (e.g. host:pid:random). */
  readonly owner: string
  /** Epoch ms. */
  readonly now: number
  /** How long the lease lasts; longer than one refresh call takes. */
  readonly leaseMs: number
  /** At most this many rows (1–500). */
  readonly limit: number
}

/**
 * Atomically leases due tokens that nobody holds (or whose lease lapsed) and returns them, earliest
 * first. Two claimers — threads, processes or instances — never get the same row while a lease
 * runs.
 *
 * One `WITH candidates AS MATERIALIZED (SELECT … LIMIT n) UPDATE … RETURNING *` statement: on
 * SQLite a single write statement takes the database's write lock for its whole run (the same
 * exclusion as `BEGIN IMMEDIATE`, waiting on busy_timeout); on PostgreSQL the sub-select adds
 * `FOR UPDATE SKIP LOCKED` and the outer WHERE re-checks the lease after any wait.
 * @param store - the store
 * @param input - see {@link ClaimDueTokensInput}
 * @returns the leased rows, with `lease_owner`/`lease_until` set
 */
export async function claimDueTokens(
  store: StoreContext,
  input: ClaimDueTokensInput,
): Promise<TokenRow[]> {
  const owner = checkLeaseOwner(input.owner)
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.leaseMs) || input.leaseMs < 1) {
    throw invalidArgument('"leaseMs" must be a positive integer')
  }
  const limit = pageLimit(input.limit, 100)
  // The candidates are picked once, in a MATERIALIZED common table expression. As a plain
  // `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`, PostgreSQL may run the sub-select again for
  // each due row (a nested loop, chosen when its statistics say little is due); each run skips the
  // rows this statement already updated and returns the next n, so one claim took every due row.
  const rows = await store.db
    .with(
      (cte) => cte('candidates').materialized(),
      (db) =>
        store.dialect.lockForClaim(
          db
            .selectFrom('tokens')
            .select('id')
            .where('next_refresh_at', '<=', now)
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
            .orderBy('next_refresh_at')
            .orderBy('id')
            .limit(limit),
        ),
    )
    .updateTable('tokens')
    .set({ lease_owner: owner, lease_until: now + input.leaseMs })
    .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
    .where('next_refresh_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .returningAll()
    .execute()
  return rows.sort(
    (a, b) => (a.next_refresh_at ?? 0) - (b.next_refresh_at ?? 0) || (a.id < b.id ? -1 : 1),
  )
}

/**
 * Gives a lease back without recording anything (e.g. on shutdown).
 * @returns true when `owner` held the lease
 */
export async function releaseLease(
  store: StoreContext,
  input: { readonly tokenId: string; readonly owner: string },
): Promise<boolean> {
  const result = await store.db
    .updateTable('tokens')
    .set({ lease_owner: null, lease_until: null })
    .where('id', '=', input.tokenId)
    .where('lease_owner', '=', checkLeaseOwner(input.owner))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

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
  const claim = singleClaim(store)
  const values: Record<string, unknown> = {
    [P.owner]: owner,
    [P.until]: now + input.leaseMs,
    [P.id]: input.tokenId,
    [P.now]: now,
  }
  const parameters = claim.parameters.map((p) =>
    typeof p === 'string' && p in values ? values[p] : p,
  )
  const result = await store.db.executeQuery<TokenRow>({ ...claim, parameters })
  return result.rows[0]
}

// Placeholders swapped for each call's values; they never reach the database.
const P = {
  owner: '\u0000owner',
  until: '\u0000lease_until',
  id: '\u0000id',
  now: '\u0000now',
} as const

const compiledClaims = new Map<string, CompiledQuery>()

/**
 * {@link claimToken}'s UPDATE, compiled once per dialect: the refresh engine runs it before every
 * call to Meta, and building it with Kysely each time was part of a refresh's CPU.
 */
function singleClaim(store: StoreContext): CompiledQuery {
  let compiled = compiledClaims.get(store.dialect.name)
  if (compiled === undefined) {
    // The placeholders stand for numbers in the typed builder; they are swapped before running.
    const n = (placeholder: string) => placeholder as unknown as number
    compiled = store.db
      .updateTable('tokens')
      .set({ lease_owner: P.owner, lease_until: n(P.until) })
      .where('id', '=', P.id)
      .where((eb) =>
        eb.or([
          eb('lease_until', 'is', null),
          eb('lease_until', '<=', n(P.now)),
          eb('lease_owner', '=', P.owner),
        ]),
      )
      .returningAll()
      .compile()
    compiledClaims.set(store.dialect.name, compiled)
  }
  return compiled
}

/**
 * Extends a lease this owner still holds (the heartbeat while a call to Meta is in flight). Never
 * takes a lease back: once another claimer holds it, or it was given back, nothing changes.
 * @param store - the store
 * @param input - the token id, the holder, the clock and the new lease length
 * @returns true when `owner` still held the lease (now until `now + leaseMs`)
 */
export async function renewLease(
  store: StoreContext,
  input: {
    readonly tokenId: string
    readonly owner: string
    readonly now: number
    readonly leaseMs: number
  },
): Promise<boolean> {
  const owner = checkLeaseOwner(input.owner)
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.leaseMs) || input.leaseMs < 1) {
    throw invalidArgument('"leaseMs" must be a positive integer')
  }
  const result = await store.db
    .updateTable('tokens')
    .set({ lease_until: now + input.leaseMs })
    .where('id', '=', input.tokenId)
    .where('lease_owner', '=', owner)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
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
