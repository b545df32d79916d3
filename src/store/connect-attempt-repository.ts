import { timingSafeEqual } from 'node:crypto'

import type { StoreContext } from './database.js'
import { newId, sha256Hex } from './ids.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { ConnectAttemptRow } from './tables/connect-attempts.table.js'

/** A connect attempt about to start. The secrets are hashed before storing. */
export interface CreateConnectAttemptInput {
  /** The OAuth `state` sent to Meta (a CSRF secret). */
  readonly state: string
  /** The browser-binding cookie value set with the redirect. */
  readonly browserBinding: string
  /** The login flavor's id. */
  readonly flavor: string
  readonly returnTo: string | null
  readonly scopes: readonly string[]
  readonly label: string | null
  /** The connect link this attempt uses, if any. */
  readonly connectLinkId?: string | null
  /** Epoch ms. */
  readonly now: number
  /** How long the user has to come back, in ms. */
  readonly ttlMs: number
}

function checkSecret(name: string, value: string): string {
  if (typeof value !== 'string' || value.length < 16 || value.length > 512) {
    throw invalidArgument(`"${name}" must be a string of 16 to 512 characters`)
  }
  return value
}

/**
 * Stores a connect attempt (only hashes of `state` and `browserBinding`).
 * @returns the new row
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) on malformed input
 */
export async function createConnectAttempt(
  store: StoreContext,
  input: CreateConnectAttemptInput,
): Promise<ConnectAttemptRow> {
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.ttlMs) || input.ttlMs < 1) {
    throw invalidArgument('"ttlMs" must be a positive integer')
  }
  if (!/^[a-z][a-z0-9_-]{0,39}$/.test(input.flavor)) {
    throw invalidArgument('"flavor" must match /^[a-z][a-z0-9_-]{0,39}$/')
  }
  return store.db
    .insertInto('connect_attempts')
    .values({
      id: newId('con'),
      state_hash: sha256Hex(checkSecret('state', input.state)),
      browser_hash: sha256Hex(checkSecret('browserBinding', input.browserBinding)),
      flavor: input.flavor,
      return_to: input.returnTo,
      scopes: [...new Set(input.scopes)].join(','),
      label: input.label,
      connect_link_id: input.connectLinkId ?? null,
      created_at: now,
      expires_at: now + input.ttlMs,
      used_at: null,
      outcome: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Why a state could not be consumed. */
export type ConsumeRefusal = 'unknown' | 'used' | 'expired' | 'browser_mismatch'

/** The outcome of {@link consumeConnectAttempt}. */
export type ConsumeConnectAttemptResult =
  | { readonly ok: true; readonly attempt: ConnectAttemptRow }
  | { readonly ok: false; readonly reason: ConsumeRefusal }

/**
 * Uses a connect attempt exactly once: one conditional UPDATE marks it used only if it is unused,
 * unexpired and bound to this browser, so two callbacks racing with the same state cannot both
 * win. A refusal changes nothing.
 * @param store - the store
 * @param input - the `state` Meta sent back, the browser-binding cookie, and `now`
 * @returns the attempt, or the reason it was refused (checked in the order unknown, used,
 *   expired, browser_mismatch)
 */
export async function consumeConnectAttempt(
  store: StoreContext,
  input: { readonly state: string; readonly browserBinding: string; readonly now: number },
): Promise<ConsumeConnectAttemptResult> {
  const now = checkInstant('now', input.now)
  if (typeof input.state !== 'string' || typeof input.browserBinding !== 'string') {
    return { ok: false, reason: 'unknown' }
  }
  const stateHash = sha256Hex(input.state)
  const browserHash = sha256Hex(input.browserBinding)
  const attempt = await store.db
    .updateTable('connect_attempts')
    .set({ used_at: now })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('browser_hash', '=', browserHash)
    .returningAll()
    .executeTakeFirst()
  if (attempt !== undefined) return { ok: true, attempt }

  const row = await store.db
    .selectFrom('connect_attempts')
    .select(['used_at', 'expires_at', 'browser_hash'])
    .where('state_hash', '=', stateHash)
    .executeTakeFirst()
  if (row === undefined) return { ok: false, reason: 'unknown' }
  if (row.used_at !== null) return { ok: false, reason: 'used' }
  if (row.expires_at <= now) return { ok: false, reason: 'expired' }
  const same = timingSafeEqual(
    Buffer.from(row.browser_hash, 'hex'),
    Buffer.from(browserHash, 'hex'),
  )
  // Equal hashes here would mean the UPDATE lost a race to another consumer of the same state.
  return { ok: false, reason: same ? 'used' : 'browser_mismatch' }
}

/**
 * Records how a consumed attempt ended (`connected`, `denied`, `failed:<code>`).
 * @returns true when the attempt exists
 */
export async function setConnectAttemptOutcome(
  store: StoreContext,
  id: string,
  outcome: string,
): Promise<boolean> {
  if (!/^[a-z_]{1,32}(:[A-Za-z0-9_.-]{1,100})?$/.test(outcome)) {
    throw invalidArgument('"outcome" must look like "connected" or "failed:<code>"')
  }
  const result = await store.db
    .updateTable('connect_attempts')
    .set({ outcome })
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Deletes attempts that expired before `olderThan` (housekeeping).
 * @returns how many were deleted
 */
export async function purgeConnectAttempts(
  store: StoreContext,
  olderThan: number,
): Promise<number> {
  const result = await store.db
    .deleteFrom('connect_attempts')
    .where('expires_at', '<', checkInstant('olderThan', olderThan))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
