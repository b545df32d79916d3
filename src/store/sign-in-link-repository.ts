import type { StoreContext } from './database.js'
import { randomToken, sha256Hex } from './ids.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'

export type { DashboardSignInLinksTable } from './tables/dashboard-sign-in-links.table.js'

const LINK_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * Stores a new one-time sign-in link and returns its secret (which exists only here). Expired and
 * used links are swept at the same time, so the table stays small without a background job.
 * @param input - `ttlMs` (how long it works) and `now`
 */
export async function createSignInLink(
  store: StoreContext,
  input: { readonly ttlMs: number; readonly now: number },
): Promise<{ readonly token: string; readonly expiresAt: number }> {
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 1) {
    throw invalidArgument('"ttlMs" must be a positive integer')
  }
  const token = randomToken(32)
  const expiresAt = now + input.ttlMs
  await store.db
    .deleteFrom('dashboard_sign_in_links')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', 'is not', null)]))
    .execute()
  await store.db
    .insertInto('dashboard_sign_in_links')
    .values({ id: sha256Hex(token), created_at: now, expires_at: expiresAt })
    .execute()
  return { token, expiresAt }
}

/**
 * Uses a link up: one conditional UPDATE, so of two requests presenting it at once only one wins.
 * @param token - what the request presented (anything; malformed values simply fail)
 * @returns true the first time an unexpired link is presented, false ever after
 */
export async function consumeSignInLink(
  store: StoreContext,
  token: string | undefined,
  now: number,
): Promise<boolean> {
  checkInstant('now', now)
  if (typeof token !== 'string' || !LINK_TOKEN_PATTERN.test(token)) return false
  // Looked up by digest: the secret itself is never compared, so timing tells nothing about it.
  const result = await store.db
    .updateTable('dashboard_sign_in_links')
    .set({ used_at: now })
    .where('id', '=', sha256Hex(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}
