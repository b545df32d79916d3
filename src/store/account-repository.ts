import { sql } from 'kysely'
import type { StoreContext } from './database.js'
import { newId } from './ids.js'
import { checkInstant, decodeCursor, encodeCursor, pageLimit } from './paging.js'
import type { Page } from './paging.js'
import { invalidArgument } from './store-error.js'
import { ACCOUNT_STATUSES } from './tables/accounts.table.js'
import type { AccountRow, AccountStatus } from './tables/accounts.table.js'
import type { TokenKind } from './tables/tokens.table.js'
import type { AccountWithToken } from './account-token-reader.js'

/** What the connect flow learned about an account. */
export interface UpsertAccountInput {
  /** The login flavor's id (owned by `src/meta`). */
  readonly flavor: string
  /** App-scoped user id from the code exchange. */
  readonly metaUserId: string
  readonly igUserId: string | null
  readonly username: string
  /** Granted scopes. */
  readonly scopes: readonly string[]
  /** Operator label; `undefined` keeps the current one on reconnect. */
  readonly label?: string | null
  /** Epoch ms. */
  readonly now: number
}

/** Result of {@link upsertAccount}. */
export interface UpsertAccountResult {
  readonly id: string
  /** True when this call created the account; false when it reconnected an existing one. */
  readonly created: boolean
}

const ID_TEXT = /^[A-Za-z0-9_.:-]{1,128}$/

function checkText(name: string, value: string, pattern = ID_TEXT): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidArgument(`"${name}" must match ${String(pattern)}`)
  }
  return value
}

/** A stored comma-separated scope column as a list (the empty column is no scope). */
export function splitScopes(column: string): string[] {
  return column === '' ? [] : column.split(',')
}

function joinScopes(scopes: readonly string[]): string {
  for (const scope of scopes) checkText('scopes', scope, /^[A-Za-z0-9_.-]{1,100}$/)
  return [...new Set(scopes)].join(',')
}

/**
 * Creates the account for (flavor, metaUserId, igUserId), or updates it on reconnect: profile,
 * scopes, `connected_at`, and status back to `active`. One login may own several accounts (a
 * Facebook login, one per Instagram account of its Pages); the key is migration 0007's.
 * @param store - the store
 * @param input - see {@link UpsertAccountInput}
 * @returns the account id and whether it was created
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) on malformed input; nothing is written
 */
export async function upsertAccount(
  store: StoreContext,
  input: UpsertAccountInput,
): Promise<UpsertAccountResult> {
  const flavor = checkText('flavor', input.flavor, /^[a-z][a-z0-9_-]{0,39}$/)
  const metaUserId = checkText('metaUserId', input.metaUserId)
  if (input.igUserId !== null) checkText('igUserId', input.igUserId)
  if (typeof input.username !== 'string' || input.username.length > 200) {
    throw invalidArgument('"username" must be a string of at most 200 characters')
  }
  const scopes = joinScopes(input.scopes)
  const now = checkInstant('now', input.now)
  const profile = {
    ig_user_id: input.igUserId,
    username: input.username,
    scopes,
    status: 'active' as const,
    status_reason: null,
    updated_at: now,
    connected_at: now,
    ...(input.label === undefined ? {} : { label: input.label }),
  }
  // Insert-or-nothing first, then update: portable, and tells us which one happened without
  // dialect tricks such as pg's xmax. Loops only if the row is deleted between the two.
  for (;;) {
    const inserted = await store.db
      .insertInto('accounts')
      .values({
        id: newId('acc'),
        meta_user_id: metaUserId,
        flavor,
        label: null,
        created_at: now,
        ...profile,
      })
      // No conflict target: the key is an expression index (a missing ig_user_id counts as '').
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst()
    if (inserted !== undefined) return { id: inserted.id, created: true }
    const updated = await store.db
      .updateTable('accounts')
      .set(profile)
      .where('flavor', '=', flavor)
      .where('meta_user_id', '=', metaUserId)
      .where(sql<string>`coalesce(ig_user_id, '')`, '=', input.igUserId ?? '')
      .returning('id')
      .executeTakeFirst()
    if (updated !== undefined) return { id: updated.id, created: false }
  }
}

/**
 * Moves an account saved before migration 0007 onto its login's real app-scoped id: Facebook
 * Login accounts were keyed by their Instagram account id then (`meta_user_id = ig_user_id`), so
 * a new login of the same person finds and updates them instead of making a second row.
 * @returns true when a row was moved
 */
export async function adoptLegacyFacebookAccount(
  store: StoreContext,
  input: { readonly flavor: string; readonly metaUserId: string; readonly igUserId: string },
): Promise<boolean> {
  const metaUserId = checkText('metaUserId', input.metaUserId)
  const igUserId = checkText('igUserId', input.igUserId)
  const taken = await store.db
    .selectFrom('accounts')
    .select('id')
    .where('flavor', '=', input.flavor)
    .where('meta_user_id', '=', metaUserId)
    .where('ig_user_id', '=', igUserId)
    .executeTakeFirst()
  if (taken !== undefined || metaUserId === igUserId) return false
  const result = await sql`update accounts set meta_user_id = ${metaUserId}
    where flavor = ${input.flavor} and meta_user_id = ${igUserId} and ig_user_id = ${igUserId}`.execute(
    store.db,
  )
  return (result.numAffectedRows ?? 0n) > 0n
}

/**
 * Reads one account.
 * @returns the row, or undefined
 */
export async function getAccount(store: StoreContext, id: string): Promise<AccountRow | undefined> {
  return store.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Every account of one login (flavor, app-scoped user), oldest first: one for Instagram Login,
 * one per Instagram account of the granted Pages for Facebook Login.
 */
export async function listAccountsOfMetaUser(
  store: StoreContext,
  flavor: string,
  metaUserId: string,
): Promise<AccountRow[]> {
  return store.db
    .selectFrom('accounts')
    .selectAll()
    .where('flavor', '=', flavor)
    .where('meta_user_id', '=', metaUserId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** Filters and paging for {@link listAccounts}. */
export interface ListAccountsOptions {
  /** Only these statuses. */
  readonly status?: AccountStatus | readonly AccountStatus[]
  /** Page size, 1–500, default 50. */
  readonly limit?: number
  /** `nextCursor` of the previous page. */
  readonly cursor?: string
}

/**
 * Lists accounts, newest first, with cursor paging that stays stable while rows are added.
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad status, limit or cursor
 */
export async function listAccounts(
  store: StoreContext,
  opts: ListAccountsOptions = {},
): Promise<Page<AccountRow>> {
  const limit = pageLimit(opts.limit)
  const statuses =
    opts.status === undefined ? [] : typeof opts.status === 'string' ? [opts.status] : opts.status
  for (const s of statuses) {
    if (!(ACCOUNT_STATUSES as readonly string[]).includes(s)) {
      throw invalidArgument(`"status" must be one of ${ACCOUNT_STATUSES.join(', ')}`)
    }
  }
  const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor)
  let query = store.db.selectFrom('accounts').selectAll()
  if (statuses.length > 0) query = query.where('status', 'in', statuses)
  if (after !== undefined) {
    // A row-value comparison: both databases start the index walk at the cursor with it (an OR
    // of the two columns made SQLite scan from the newest row and PostgreSQL sort).
    query = query.where((eb) =>
      eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)),
    )
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor({ createdAt: last.created_at, id: last.id }) }
    : { items }
}

/**
 * {@link listAccounts} with each account's token of one kind: two queries per page whatever its
 * size (the page, then its tokens by `account_id IN (…)`), never one per account.
 * @param store - the store
 * @param kind - the token kind to join (the one the service serves)
 * @param opts - see {@link ListAccountsOptions}
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad status, limit or cursor
 */
export async function listAccountsWithTokens(
  store: StoreContext,
  kind: TokenKind,
  opts: ListAccountsOptions = {},
): Promise<Page<AccountWithToken>> {
  const page = await listAccounts(store, opts)
  const ids = page.items.map((a) => a.id)
  const tokens =
    ids.length === 0
      ? []
      : await store.db
          .selectFrom('tokens')
          .selectAll()
          .where('account_id', 'in', ids)
          .where('kind', '=', kind)
          .execute()
  const byAccount = new Map(tokens.map((t) => [t.account_id, t]))
  const items = page.items.map((account) => ({ account, token: byAccount.get(account.id) }))
  return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor }
}

/**
 * Sets an account's status and the reason (an error code or short sentence, never a token).
 * @returns true when the account exists
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for an unknown status
 */
export async function setAccountStatus(
  store: StoreContext,
  id: string,
  status: AccountStatus,
  reason: string | null,
  now: number,
): Promise<boolean> {
  if (!(ACCOUNT_STATUSES as readonly string[]).includes(status)) {
    throw invalidArgument(`"status" must be one of ${ACCOUNT_STATUSES.join(', ')}`)
  }
  checkInstant('now', now)
  const result = await store.db
    .updateTable('accounts')
    .set({ status, status_reason: reason === null ? null : reason.slice(0, 500), updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Sets or clears an account's label.
 * @returns true when the account exists
 */
export async function setAccountLabel(
  store: StoreContext,
  id: string,
  label: string | null,
  now: number,
): Promise<boolean> {
  checkInstant('now', now)
  const result = await store.db
    .updateTable('accounts')
    .set({ label, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Deletes one account and (by cascade) its tokens. Its events stay, as history.
 * @returns true when an account was deleted
 */
export async function deleteAccount(store: StoreContext, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** What {@link deleteEverythingAboutMetaUser} removed. */
export interface MetaUserDeletion {
  readonly accountIds: readonly string[]
  readonly accounts: number
  readonly events: number
}

/**
 * Deletes every account of an app-scoped user (tokens by cascade) and every event naming the user
 * or those accounts, in one transaction. Used by Meta's deauthorize/data-deletion callbacks and the
 * manual deletion command. The deletion request row itself is the audit trail and is kept.
 * @param store - the store
 * @param metaUserId - the app-scoped id Meta's callback names
 * @param opts - `flavor` limits the deletion to one login flavor (ids are scoped per app)
 */
export async function deleteEverythingAboutMetaUser(
  store: StoreContext,
  metaUserId: string,
  opts: { readonly flavor?: string } = {},
): Promise<MetaUserDeletion> {
  checkText('metaUserId', metaUserId)
  return store.db
    .transaction()
    .execute((trx) => purgeMetaUser({ db: trx, dialect: store.dialect }, metaUserId, opts))
}

/**
 * {@link deleteEverythingAboutMetaUser} inside the caller's transaction: pass one, so the purge
 * commits with whatever the caller records about it.
 */
export async function purgeMetaUser(
  store: StoreContext,
  metaUserId: string,
  opts: { readonly flavor?: string } = {},
): Promise<MetaUserDeletion> {
  checkText('metaUserId', metaUserId)
  const trx = store.db
  let accountsQuery = trx.selectFrom('accounts').select('id').where('meta_user_id', '=', metaUserId)
  if (opts.flavor !== undefined) accountsQuery = accountsQuery.where('flavor', '=', opts.flavor)
  const accountIds = (await accountsQuery.execute()).map((r) => r.id)
  const events = await trx
    .deleteFrom('events')
    .where((eb) =>
      accountIds.length === 0
        ? eb('meta_user_id', '=', metaUserId)
        : eb.or([eb('meta_user_id', '=', metaUserId), eb('account_id', 'in', accountIds)]),
    )
    .executeTakeFirst()
  const accounts =
    accountIds.length === 0
      ? { numDeletedRows: 0n }
      : await trx.deleteFrom('accounts').where('id', 'in', accountIds).executeTakeFirst()
  return {
    accountIds,
    accounts: Number(accounts.numDeletedRows),
    events: Number(events.numDeletedRows),
  }
}

/**
 * Revokes an account: deletes its tokens and marks it `revoked` with a reason, keeping the row so
 * operators see what happened. Pass a transaction to make it part of a larger change.
 * @returns true when the account exists
 */
export async function revokeAccount(
  store: StoreContext,
  id: string,
  reason: string,
  now: number,
): Promise<boolean> {
  checkInstant('now', now)
  await store.db.deleteFrom('tokens').where('account_id', '=', id).execute()
  return setAccountStatus(store, id, 'revoked', reason, now)
}
