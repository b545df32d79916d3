import { sql } from 'kysely'

import type { Keyring, Opened } from './cipher.js'
import type { StoreContext } from './database.js'
import { newId } from './ids.js'
import { checkInstant, pageLimit } from './paging.js'
import { redactSecrets } from './redact.js'
import { invalidArgument } from './store-error.js'
import type { TokenKind, TokenRow } from './tables/tokens.table.js'
import { checkKind, checkOptionalInstant, checkTokenValue, checkVersion } from './token-checks.js'
import { storeRefreshedTokens } from './token-refresh-batch.js'
import { checkLeaseOwner } from './lease-owner.js'

/**
 * The AAD binding a token's ciphertext to its row: a ciphertext copied to another row, account or
 * kind no longer opens.
 * @param token - the row's identity
 */
export function tokenAad(token: Pick<TokenRow, 'id' | 'account_id' | 'kind'>): string {
  return `tokens:${token.id}:${token.account_id}:${token.kind}`
}

/**
 * Decrypts a token row.
 * @param keyring - the keyring
 * @param token - a row from this repository
 * @returns the token and whether it should be re-sealed under the first key
 * @throws StoreError `IGB_KEY_MISSING` or `IGB_DECRYPT_FAILED`
 */
export function openToken(
  keyring: Keyring,
  token: Pick<TokenRow, 'id' | 'account_id' | 'kind' | 'key_id' | 'ciphertext'>,
): Opened {
  return keyring.open({ keyId: token.key_id, ciphertext: token.ciphertext }, tokenAad(token))
}

/** The outcome of a token write. A conflict is data, not an error: someone wrote a newer value. */
export type SaveTokenResult =
  | { readonly saved: true; readonly token: TokenRow }
  | {
      readonly saved: false
      readonly reason: 'version_conflict'
      /** The version now stored, or null when there is no token. */
      readonly currentVersion: number | null
    }

/** A new token value for an account. */
export interface SaveTokenInput {
  readonly accountId: string
  readonly kind: TokenKind
  /** The plaintext token; sealed before it reaches the database. */
  readonly accessToken: string
  /** Epoch ms when Meta issued it. */
  readonly issuedAt: number
  /** Epoch ms, or null for a token that never expires. */
  readonly expiresAt: number | null
  /** Epoch ms when the refresh engine should look at it, or null for never. */
  readonly nextRefreshAt: number | null
  /**
   * The version the caller last read: the write happens only if it is still current.
   * `null` = only if no token exists yet; `'any'` = unconditionally (a fresh connect).
   */
  readonly expectedVersion: number | null | 'any'
  /** Epoch ms. */
  readonly now: number
}

/**
 * Stores a new token value for (account, kind), sealed with the keyring's first key, bumping
 * `version` and clearing failure counters — but only if `expectedVersion` still holds, so a late
 * or failed refresh never overwrites a newer token. The lease is left as it is.
 * @param store - the store
 * @param keyring - seals the token
 * @param input - see {@link SaveTokenInput}
 * @returns `{ saved: true, token }` or `{ saved: false, reason: 'version_conflict' }`
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) on malformed input; nothing is written
 */
export async function saveToken(
  store: StoreContext,
  keyring: Keyring,
  input: SaveTokenInput,
): Promise<SaveTokenResult> {
  const kind = checkKind(input.kind)
  const accessToken = checkTokenValue(input.accessToken)
  const issuedAt = checkInstant('issuedAt', input.issuedAt)
  const expiresAt = checkOptionalInstant('expiresAt', input.expiresAt)
  const nextRefreshAt = checkOptionalInstant('nextRefreshAt', input.nextRefreshAt)
  const expected = checkVersion(input.expectedVersion)
  const now = checkInstant('now', input.now)
  const values = {
    issued_at: issuedAt,
    expires_at: expiresAt,
    next_refresh_at: nextRefreshAt,
    attempts: 0,
    last_error_code: null,
    last_error_message: null,
    last_error_at: null,
    updated_at: now,
  }

  // Loops only when a concurrent writer inserts or deletes the row between our two statements.
  for (;;) {
    const existing = await store.db
      .selectFrom('tokens')
      .select(['id', 'version'])
      .where('account_id', '=', input.accountId)
      .where('kind', '=', kind)
      .executeTakeFirst()

    if (existing === undefined) {
      if (typeof expected === 'number') {
        return { saved: false, reason: 'version_conflict', currentVersion: null }
      }
      const id = newId('tok')
      const sealed = keyring.seal(accessToken, tokenAad({ id, account_id: input.accountId, kind }))
      const inserted = await store.db
        .insertInto('tokens')
        .values({
          id,
          account_id: input.accountId,
          kind,
          ciphertext: sealed.ciphertext,
          key_id: sealed.keyId,
          refreshed_at: null,
          version: 1,
          lease_owner: null,
          lease_until: null,
          created_at: now,
          ...values,
        })
        .onConflict((oc) => oc.columns(['account_id', 'kind']).doNothing())
        .returningAll()
        .executeTakeFirst()
      if (inserted !== undefined) return { saved: true, token: inserted }
      continue
    }

    if (expected === null || (typeof expected === 'number' && expected !== existing.version)) {
      return { saved: false, reason: 'version_conflict', currentVersion: existing.version }
    }
    const sealed = keyring.seal(
      accessToken,
      tokenAad({ id: existing.id, account_id: input.accountId, kind }),
    )
    let update = store.db
      .updateTable('tokens')
      .set({
        ciphertext: sealed.ciphertext,
        key_id: sealed.keyId,
        version: sql<number>`version + 1`,
        ...values,
      })
      .where('id', '=', existing.id)
    if (typeof expected === 'number') update = update.where('version', '=', expected)
    const updated = await update.returningAll().executeTakeFirst()
    if (updated !== undefined) return { saved: true, token: updated }
    if (typeof expected === 'number') {
      const current = await getTokenById(store, existing.id)
      return { saved: false, reason: 'version_conflict', currentVersion: current?.version ?? null }
    }
  }
}

/**
 * Reads the sealed token of (account, kind).
 * @returns the row (open it with {@link openToken}), or undefined
 */
export async function getToken(
  store: StoreContext,
  accountId: string,
  kind: TokenKind,
): Promise<TokenRow | undefined> {
  return store.db
    .selectFrom('tokens')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('kind', '=', kind)
    .executeTakeFirst()
}

/**
 * Reads a sealed token by id.
 * @returns the row, or undefined
 */
export async function getTokenById(store: StoreContext, id: string): Promise<TokenRow | undefined> {
  return store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Lists an account's sealed tokens.
 */
export async function listTokensForAccount(
  store: StoreContext,
  accountId: string,
): Promise<TokenRow[]> {
  return store.db
    .selectFrom('tokens')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('kind')
    .execute()
}

/**
 * Tokens whose `next_refresh_at` has come, earliest first, leased or not (a read-only view of
 * what is due; use {@link claimDueTokens} to work on them). One indexed range query.
 * @param store - the store
 * @param opts - `now` (epoch ms) and `limit` (1–500, default 100)
 */
export async function findDueTokens(
  store: StoreContext,
  opts: { readonly now: number; readonly limit?: number },
): Promise<TokenRow[]> {
  const now = checkInstant('now', opts.now)
  return store.db
    .selectFrom('tokens')
    .selectAll()
    .where('next_refresh_at', '<=', now)
    .orderBy('next_refresh_at')
    .orderBy('id')
    .limit(pageLimit(opts.limit, 100))
    .execute()
}

/** Arguments of {@link recordRefreshSuccess}. */
export interface RefreshSuccessInput {
  readonly tokenId: string
  /** The lease holder: the write is fenced by the lease (a claimer that lost it stores nothing). */
  readonly owner: string
  /** The version read when the refresh started. */
  readonly expectedVersion: number
  readonly accessToken: string
  readonly issuedAt: number
  readonly expiresAt: number | null
  readonly nextRefreshAt: number | null
  readonly now: number
}

/** The outcome of {@link recordRefreshSuccess}: a save, a newer version, or a lost lease. */
export type RefreshSaveResult =
  | SaveTokenResult
  | { readonly saved: false; readonly reason: 'lease_lost'; readonly currentVersion: number }

/**
 * Stores a refreshed token (sealed), bumps `version`, sets `refreshed_at`, clears the failure
 * counters and the lease — only if `owner` still holds the lease and the version is still the
 * one the refresh started from (the write is fenced: a holder whose lease lapsed and was taken
 * stores nothing, whatever Meta answered it).
 * @returns `{ saved: true, token }`; a `version_conflict` when a newer token is already stored
 *   (the caller drops its value: the stored one is newer); `lease_lost` when someone else holds
 *   or released the lease
 */
export async function recordRefreshSuccess(
  store: StoreContext,
  keyring: Keyring,
  input: RefreshSuccessInput,
): Promise<RefreshSaveResult> {
  const owner = checkLeaseOwner(input.owner)
  const accessToken = checkTokenValue(input.accessToken)
  const expected = checkVersion(input.expectedVersion)
  const issuedAt = checkInstant('issuedAt', input.issuedAt)
  const expiresAt = checkOptionalInstant('expiresAt', input.expiresAt)
  const nextRefreshAt = checkOptionalInstant('nextRefreshAt', input.nextRefreshAt)
  const now = checkInstant('now', input.now)
  const row = await getTokenById(store, input.tokenId)
  if (row === undefined) return { saved: false, reason: 'version_conflict', currentVersion: null }
  if (row.version !== expected) {
    return { saved: false, reason: 'version_conflict', currentVersion: row.version }
  }
  if (row.lease_owner !== owner) {
    return { saved: false, reason: 'lease_lost', currentVersion: row.version }
  }
  const [updated] = await storeRefreshedTokens(store, keyring, [
    { row, owner, accessToken, issuedAt, expiresAt, nextRefreshAt, now },
  ])
  if (updated !== undefined) return { saved: true, token: updated }
  const current = await getTokenById(store, row.id)
  if (current !== undefined && current.version === row.version) {
    return { saved: false, reason: 'lease_lost', currentVersion: current.version }
  }
  return { saved: false, reason: 'version_conflict', currentVersion: current?.version ?? null }
}

/** Arguments of {@link recordRefreshFailure}. */
export interface RefreshFailureInput {
  readonly tokenId: string
  /** The lease holder; a claimer that lost its lease records nothing. */
  readonly owner: string
  /** A stable code, e.g. `IGB_REFRESH_TOO_EARLY` or a Meta error code. */
  readonly errorCode: string
  /** Human text; anything token-like is redacted before storing. */
  readonly errorMessage: string
  /** When to try again (policy decides), or null to stop refreshing. */
  readonly nextRefreshAt: number | null
  readonly now: number
}

/**
 * Records a failed refresh: `attempts + 1`, the last error (redacted), the next attempt time,
 * and releases the lease. The stored token is never touched.
 * @returns the updated row, or undefined when `owner` no longer holds the lease
 */
export async function recordRefreshFailure(
  store: StoreContext,
  input: RefreshFailureInput,
): Promise<TokenRow | undefined> {
  const owner = checkLeaseOwner(input.owner)
  if (typeof input.errorCode !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(input.errorCode)) {
    throw invalidArgument('"errorCode" must match [A-Za-z0-9_.:-]{1,100}')
  }
  const nextRefreshAt = checkOptionalInstant('nextRefreshAt', input.nextRefreshAt)
  const now = checkInstant('now', input.now)
  return store.db
    .updateTable('tokens')
    .set({
      attempts: sql<number>`attempts + 1`,
      last_error_code: input.errorCode,
      last_error_message: redactSecrets(input.errorMessage),
      last_error_at: now,
      next_refresh_at: nextRefreshAt,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .where('id', '=', input.tokenId)
    .where('lease_owner', '=', owner)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Moves one token to the keyring's first key if it is sealed under another, without bumping
 * `version` (the token value is unchanged, so an in-flight refresh must still win). Compare-and-set
 * on the old ciphertext, so a concurrent write is never lost.
 * @returns `resealed`, `current` (already on the first key) or `changed` (written meanwhile)
 * @throws StoreError `IGB_KEY_MISSING` / `IGB_DECRYPT_FAILED` when the row cannot be opened
 */
export async function resealToken(
  store: StoreContext,
  keyring: Keyring,
  token: Pick<TokenRow, 'id' | 'account_id' | 'kind' | 'key_id' | 'ciphertext'>,
): Promise<'resealed' | 'current' | 'changed'> {
  if (token.key_id === keyring.primaryKeyId) return 'current'
  const { plaintext } = openToken(keyring, token)
  const sealed = keyring.seal(plaintext, tokenAad(token))
  const result = await store.db
    .updateTable('tokens')
    .set({ ciphertext: sealed.ciphertext, key_id: sealed.keyId })
    .where('id', '=', token.id)
    .where('key_id', '=', token.key_id)
    .where('ciphertext', '=', token.ciphertext)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n ? 'resealed' : 'changed'
}
