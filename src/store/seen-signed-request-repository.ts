import type { StoreContext } from './database.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { SeenSignedRequestRow } from './tables/seen-signed-requests.table.js'

export type { SeenSignedRequestRow } from './tables/seen-signed-requests.table.js'

const KEY = /^[0-9a-f]{64}$/

/**
 * The remembered answer to a Meta callback, while it would still verify.
 * @param store - the store
 * @param key - SHA-256 hex of the callback kind and its decoded signature
 * @param now - epoch ms
 * @returns the row, or undefined when never seen or past its validity window
 */
export async function findSeenSignedRequest(
  store: StoreContext,
  key: string,
  now: number,
): Promise<SeenSignedRequestRow | undefined> {
  if (typeof key !== 'string' || !KEY.test(key)) throw invalidArgument('"key" must be 64 hex')
  return store.db
    .selectFrom('seen_signed_requests')
    .selectAll()
    .where('id', '=', key)
    .where('expires_at', '>', checkInstant('now', now))
    .executeTakeFirst()
}

/**
 * Remembers a handled Meta callback (and drops the ones past their window, so the table holds
 * one validity window of callbacks at most).
 * @param store - the store (the caller's transaction, so the memory commits with the work)
 * @param input - the key, kind, the answer given, and the instants
 * @returns false when another request with this key was remembered first (a concurrent replay)
 */
export async function rememberSignedRequest(
  store: StoreContext,
  input: {
    readonly key: string
    readonly kind: 'deauthorize' | 'data_deletion'
    readonly confirmationCode: string | null
    readonly accounts: number
    readonly now: number
    readonly expiresAt: number
  },
): Promise<boolean> {
  if (typeof input.key !== 'string' || !KEY.test(input.key)) {
    throw invalidArgument('"key" must be 64 hex')
  }
  const now = checkInstant('now', input.now)
  await store.db.deleteFrom('seen_signed_requests').where('expires_at', '<=', now).execute()
  const inserted = await store.db
    .insertInto('seen_signed_requests')
    .values({
      id: input.key,
      kind: input.kind,
      confirmation_code: input.confirmationCode,
      accounts: input.accounts,
      seen_at: now,
      expires_at: checkInstant('expiresAt', input.expiresAt),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst()
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0
}
