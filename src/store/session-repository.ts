import { timingSafeEqual } from 'node:crypto'

import type { StoreContext } from './database.js'
import { randomToken, sha256Hex } from './ids.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { DashboardSessionRow } from './tables/dashboard-sessions.table.js'

export type {
  DashboardSessionRow,
  DashboardSessionsTable,
} from './tables/dashboard-sessions.table.js'

const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** What {@link createDashboardSession} returns: the cookie value exists only here. */
export interface CreatedDashboardSession {
  /** The cookie value (32 random bytes, base64url). */
  readonly token: string
  readonly id: string
  readonly csrfSecret: string
  readonly expiresAt: number
}

function sessions(store: StoreContext) {
  return store.db
}

/**
 * Opens an operator session. Expired sessions are swept at the same time, so the table stays small
 * without a background job.
 * @param input - `ttlMs` (how long it lasts) and `now`
 */
export async function createDashboardSession(
  store: StoreContext,
  input: { readonly ttlMs: number; readonly now: number },
): Promise<CreatedDashboardSession> {
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 1) {
    throw invalidArgument('"ttlMs" must be a positive integer')
  }
  const token = randomToken(32)
  const id = sha256Hex(token)
  const csrfSecret = randomToken(18)
  const expiresAt = now + input.ttlMs
  await sessions(store).deleteFrom('dashboard_sessions').where('expires_at', '<=', now).execute()
  await sessions(store)
    .insertInto('dashboard_sessions')
    .values({ id, csrf_secret: csrfSecret, created_at: now, expires_at: expiresAt })
    .execute()
  return { token, id, csrfSecret, expiresAt }
}

/**
 * Finds the live session a cookie value belongs to.
 * @param token - the cookie value (anything; malformed values simply fail)
 * @returns the session, or undefined when unknown or expired
 */
export async function findDashboardSession(
  store: StoreContext,
  token: string | undefined,
  now: number,
): Promise<DashboardSessionRow | undefined> {
  checkInstant('now', now)
  if (typeof token !== 'string' || !SESSION_TOKEN_PATTERN.test(token)) return undefined
  const id = sha256Hex(token)
  const row = await sessions(store)
    .selectFrom('dashboard_sessions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  // The lookup is by digest already; the compare only guards against a collation surprise.
  if (row === undefined || !timingSafeEqual(Buffer.from(row.id), Buffer.from(id))) return undefined
  return row.expires_at > now ? row : undefined
}

/**
 * Ends a session (sign-out).
 * @returns true when a session was deleted
 */
export async function deleteDashboardSession(
  store: StoreContext,
  token: string | undefined,
): Promise<boolean> {
  if (typeof token !== 'string' || !SESSION_TOKEN_PATTERN.test(token)) return false
  const result = await sessions(store)
    .deleteFrom('dashboard_sessions')
    .where('id', '=', sha256Hex(token))
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}
