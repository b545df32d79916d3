import { createHash, timingSafeEqual } from 'node:crypto'
import { sql } from 'kysely'
import { splitScopes } from './account-repository.js'

import type { StoreContext } from './database.js'
import { newId, randomToken } from './ids.js'
import { checkInstant } from './paging.js'
import { NO_WAIT_SQL } from './sqlite-dialect.js'
import { IGB_STORE_BUSY, StoreError, invalidArgument } from './store-error.js'
import type { ApiKeyRow } from './tables/api-keys.table.js'

/** Every API key starts with this, so secret scanners and humans recognise it. */
export const API_KEY_PREFIX = 'igt_'

const API_KEY_PATTERN = /^igt_[A-Za-z0-9_-]{43}$/
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8
const TOUCH_INTERVAL_MS = 60_000

/** An API key as listed: never the key itself; its scopes as a list. */
export type ApiKeyInfo = Omit<ApiKeyRow, 'key_hash' | 'scopes'> & { readonly scopes: string[] }

/** The shape of one scope; which scopes exist is the domain's business (src/broker). */
const SCOPE_PATTERN = /^[a-z]+:[a-z]+$/

/** What {@link createApiKey} returns: the only time the plaintext key exists. */
export interface CreatedApiKey {
  readonly id: string
  /** `igt_` + 32 random bytes base64url. Show it once; it cannot be read back. */
  readonly key: string
  /** Safe to display and to store in logs (`igt_` + 8 characters). */
  readonly prefix: string
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/**
 * Creates an API key. Only its SHA-256 and a short display prefix are stored.
 * @param store - the store
 * @param input - a human name and `now`
 * @returns the id, the plaintext key (once) and the display prefix
 */
export async function createApiKey(
  store: StoreContext,
  input: {
    readonly name: string
    readonly now: number
    /** Left out: every scope (the column's default, as for keys older than scopes). */
    readonly scopes?: readonly string[]
  },
): Promise<CreatedApiKey> {
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 100) {
    throw invalidArgument('"name" must be a non-empty string of at most 100 characters')
  }
  const scopes = input.scopes
  if (
    scopes !== undefined &&
    (!Array.isArray(scopes) ||
      scopes.length === 0 ||
      !scopes.every((scope) => typeof scope === 'string' && SCOPE_PATTERN.test(scope)))
  ) {
    throw invalidArgument('"scopes" must be a non-empty list of scopes such as "tokens:read"')
  }
  const now = checkInstant('now', input.now)
  const key = `${API_KEY_PREFIX}${randomToken(32)}`
  const id = newId('key')
  const prefix = key.slice(0, DISPLAY_PREFIX_LENGTH)
  await store.db
    .insertInto('api_keys')
    .values({
      id,
      name: input.name.trim(),
      key_hash: digest(key).toString('hex'),
      key_prefix: prefix,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
      ...(scopes === undefined ? {} : { scopes: [...new Set(scopes)].join(',') }),
    })
    .execute()
  return { id, key, prefix }
}

/**
 * Checks a presented API key: SHA-256, lookup by hash, then a constant-time compare of the
 * digests. Touches `last_used_at` at most once a minute, best-effort: tried once, skipped when
 * another process holds SQLite's write lock.
 * @param store - the store
 * @param presented - the key from the request (any string; malformed keys simply fail)
 * @param now - epoch ms
 * @returns the key's info when valid and not revoked, else undefined
 */
export async function verifyApiKey(
  store: StoreContext,
  presented: string,
  now: number,
): Promise<ApiKeyInfo | undefined> {
  checkInstant('now', now)
  if (typeof presented !== 'string' || !API_KEY_PATTERN.test(presented)) return undefined
  const presentedDigest = digest(presented)
  const row = await store.db
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', presentedDigest.toString('hex'))
    .executeTakeFirst()
  if (row === undefined) return undefined
  const storedDigest = Buffer.from(row.key_hash, 'hex')
  if (
    storedDigest.length !== presentedDigest.length ||
    !timingSafeEqual(storedDigest, presentedDigest) ||
    row.revoked_at !== null
  ) {
    return undefined
  }
  let lastUsedAt = row.last_used_at
  if (lastUsedAt === null || lastUsedAt <= now - TOUCH_INTERVAL_MS) {
    // Conditional so concurrent requests write once per minute at most, not once per request.
    // Best-effort: a read must not need the write lock, so a busy database skips the touch (the
    // next request makes it) instead of making the caller wait or fail.
    try {
      await store.db
        .updateTable('api_keys')
        .set({ last_used_at: now })
        .where('id', '=', row.id)
        .where((eb) =>
          eb.or([
            eb('last_used_at', 'is', null),
            eb('last_used_at', '<=', now - TOUCH_INTERVAL_MS),
          ]),
        )
        .modifyEnd(sql.raw(NO_WAIT_SQL))
        .execute()
      lastUsedAt = now
    } catch (error) {
      if (!(error instanceof StoreError && error.code === IGB_STORE_BUSY)) throw error
    }
  }
  const { key_hash: _hash, scopes, ...info } = row
  return { ...info, scopes: splitScopes(scopes), last_used_at: lastUsedAt }
}

/**
 * Lists every API key (never the key nor its hash), newest first.
 */
export async function listApiKeys(store: StoreContext): Promise<ApiKeyInfo[]> {
  const rows = await store.db
    .selectFrom('api_keys')
    .select(['id', 'name', 'key_prefix', 'created_at', 'last_used_at', 'revoked_at', 'scopes'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map((row) => ({ ...row, scopes: splitScopes(row.scopes) }))
}

/**
 * Marks an API key revoked; it fails verification from then on. Processes that remember keys
 * learn it through the `revokeApiKey` use case (src/broker), which calls this.
 * @returns true when a live key was revoked (false if unknown or already revoked)
 */
export async function markApiKeyRevoked(
  store: StoreContext,
  id: string,
  now: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('api_keys')
    .set({ revoked_at: checkInstant('now', now) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
