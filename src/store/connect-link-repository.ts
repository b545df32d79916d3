import type { StoreContext } from './database.js'
import { newId, sha256Hex } from './ids.js'
import { checkInstant, decodeCursor, encodeCursor, pageLimit } from './paging.js'
import type { Page } from './paging.js'
import type { ConnectLinkRow } from './tables/connect-links.table.js'

/** A connect link to store; the caller made the secret and checked every value. */
export interface InsertConnectLinkInput {
  /** The secret part of the link's URL: only its SHA-256 is stored. */
  readonly secret: string
  readonly label: string | null
  /** JSON of the checked metadata. */
  readonly metadata: string
  readonly scopes: readonly string[]
  readonly returnTo: string | null
  readonly now: number
  readonly expiresAt: number
}

/**
 * Stores a connect link (its secret only as SHA-256).
 * @returns the new row
 */
export async function insertConnectLink(
  store: StoreContext,
  input: InsertConnectLinkInput,
): Promise<ConnectLinkRow> {
  const now = checkInstant('now', input.now)
  return store.db
    .insertInto('connect_links')
    .values({
      id: newId('lnk'),
      token_hash: sha256Hex(input.secret),
      label: input.label,
      metadata: input.metadata,
      scopes: input.scopes.join(','),
      return_to: input.returnTo,
      created_at: now,
      expires_at: checkInstant('expiresAt', input.expiresAt),
      used_at: null,
      account_id: null,
      cancelled_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The link whose secret this is (looked up by its SHA-256), if any. */
export async function findConnectLinkBySecret(
  store: StoreContext,
  secret: string,
): Promise<ConnectLinkRow | undefined> {
  return store.db
    .selectFrom('connect_links')
    .selectAll()
    .where('token_hash', '=', sha256Hex(secret))
    .executeTakeFirst()
}

/** One link by id, if any. */
export async function getConnectLink(
  store: StoreContext,
  id: string,
): Promise<ConnectLinkRow | undefined> {
  return store.db.selectFrom('connect_links').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Links newest first, a page at a time.
 * @param options - `limit` (1–500, default 50) and the `cursor` of the previous page
 */
export async function listConnectLinks(
  store: StoreContext,
  options: { readonly limit?: number; readonly cursor?: string } = {},
): Promise<Page<ConnectLinkRow>> {
  const limit = pageLimit(options.limit)
  let query = store.db
    .selectFrom('connect_links')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
      ]),
    )
  }
  const rows = await query.execute()
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return rows.length > limit && last !== undefined
    ? { items, nextCursor: encodeCursor({ createdAt: last.created_at, id: last.id }) }
    : { items }
}

/**
 * Cancels a pending link: one conditional UPDATE, so a link being used at the same moment is
 * either used or cancelled, never both.
 * @returns the row after the change, or undefined when it was not pending
 */
export async function markConnectLinkCancelled(
  store: StoreContext,
  id: string,
  now: number,
): Promise<ConnectLinkRow | undefined> {
  return store.db
    .updateTable('connect_links')
    .set({ cancelled_at: checkInstant('now', now) })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Uses a link exactly once: one conditional UPDATE marks it used by `accountId` only while it is
 * unused, not cancelled and unexpired, so replays and concurrent uses lose.
 * @returns the row after the change, or undefined when the link was not pending
 */
export async function markConnectLinkUsed(
  store: StoreContext,
  input: { readonly id: string; readonly accountId: string; readonly now: number },
): Promise<ConnectLinkRow | undefined> {
  const now = checkInstant('now', input.now)
  return store.db
    .updateTable('connect_links')
    .set({ used_at: now, account_id: input.accountId })
    .where('id', '=', input.id)
    .where('used_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst()
}
