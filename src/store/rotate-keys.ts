import type { Keyring } from './cipher.js'
import type { StoreContext } from './database.js'
import { StoreError } from './store-error.js'
import type { StoreErrorCode } from './store-error.js'
import { openToken, resealToken } from './token-repository.js'
import { openWebhookSecret, sealWebhookSecret } from './webhook-secret.js'

/** The tables holding sealed values. */
export type SealedTable = 'tokens' | 'webhook_subscribers'

/** Progress after each batch of {@link reencryptAll}. */
export interface ReencryptProgress {
  readonly table: SealedTable
  /** Rows moved to the first key so far (all tables). */
  readonly resealed: number
  /** Rows that could not be opened so far (all tables). */
  readonly failed: number
}

/** A row {@link reencryptAll} could not move. */
export interface ReencryptFailure {
  readonly table: SealedTable
  readonly id: string
  readonly keyId: string
  readonly code: StoreErrorCode
}

/** The outcome of {@link reencryptAll}. */
export interface ReencryptResult {
  /** Rows moved to the first key. */
  readonly resealed: number
  /** Rows skipped because someone wrote them meanwhile (already on the first key then). */
  readonly changed: number
  /** Rows that could not be opened (missing or wrong key); left untouched. */
  readonly failures: readonly ReencryptFailure[]
  /** True when the signal stopped the run between batches; run again to resume. */
  readonly aborted: boolean
}

/** Options of {@link reencryptAll}. */
export interface ReencryptOptions {
  /** Rows per batch, 1–10000, default 200. */
  readonly batchSize?: number
  /** Called after each batch. */
  readonly onProgress?: (progress: ReencryptProgress) => void
  /** Stops the run cleanly between batches. */
  readonly signal?: AbortSignal
}

/**
 * Re-seals every token and webhook secret that is not under the keyring's first key, in batches.
 * Each row is rewritten by compare-and-set on its old ciphertext, so every row is readable at
 * every moment, a concurrent refresh is never lost, and an interrupted run simply resumes when
 * started again (it only looks at rows not yet on the first key). Token `version` is not bumped:
 * the token value does not change.
 * @param store - the store
 * @param keyring - the new keyring: new key first, old keys after it
 * @param opts - {@link ReencryptOptions}
 * @returns counts, the rows that failed (never their content) and whether it was aborted
 */
export async function reencryptAll(
  store: StoreContext,
  keyring: Keyring,
  opts: ReencryptOptions = {},
): Promise<ReencryptResult> {
  const batchSize = opts.batchSize ?? 200
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw Object.assign(new TypeError('"batchSize" must be an integer from 1 to 10000'), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
  }
  const primary = keyring.primaryKeyId
  let resealed = 0
  let changed = 0
  const failures: ReencryptFailure[] = []
  const aborted = () => opts.signal?.aborted === true
  const note = (table: SealedTable, id: string, keyId: string, error: unknown) => {
    if (!(error instanceof StoreError)) throw error
    failures.push({ table, id, keyId, code: error.code })
  }

  let cursor = ''
  for (;;) {
    if (aborted()) return { resealed, changed, failures, aborted: true }
    const rows = await store.db
      .selectFrom('tokens')
      .select(['id', 'account_id', 'kind', 'key_id', 'ciphertext'])
      .where('key_id', '!=', primary)
      .where('id', '>', cursor)
      .orderBy('id')
      .limit(batchSize)
      .execute()
    if (rows.length === 0) break
    for (const row of rows) {
      try {
        const outcome = await resealToken(store, keyring, row)
        if (outcome === 'resealed') resealed++
        else if (outcome === 'changed') changed++
      } catch (error) {
        note('tokens', row.id, row.key_id, error)
      }
    }
    cursor = rows[rows.length - 1]?.id ?? cursor
    opts.onProgress?.({ table: 'tokens', resealed, failed: failures.length })
  }

  cursor = ''
  for (;;) {
    if (aborted()) return { resealed, changed, failures, aborted: true }
    const rows = await store.db
      .selectFrom('webhook_subscribers')
      .select(['id', 'secret_key_id', 'secret_ciphertext'])
      .where('secret_key_id', '!=', primary)
      .where('id', '>', cursor)
      .orderBy('id')
      .limit(batchSize)
      .execute()
    if (rows.length === 0) break
    for (const row of rows) {
      try {
        const { plaintext } = openWebhookSecret(keyring, row)
        const sealed = sealWebhookSecret(keyring, row.id, plaintext)
        const result = await store.db
          .updateTable('webhook_subscribers')
          .set({ secret_ciphertext: sealed.ciphertext, secret_key_id: sealed.keyId })
          .where('id', '=', row.id)
          .where('secret_key_id', '=', row.secret_key_id)
          .where('secret_ciphertext', '=', row.secret_ciphertext)
          .executeTakeFirst()
        if (result.numUpdatedRows > 0n) resealed++
        else changed++
      } catch (error) {
        note('webhook_subscribers', row.id, row.secret_key_id, error)
      }
    }
    cursor = rows[rows.length - 1]?.id ?? cursor
    opts.onProgress?.({ table: 'webhook_subscribers', resealed, failed: failures.length })
  }
  return { resealed, changed, failures, aborted: false }
}

/** What {@link checkKeysOpenEverything} found. */
export interface KeyCheckReport {
  /** True when every sealed row names a key in the ring and a sample of each opens. */
  readonly ok: boolean
  /** Key ids used by stored rows but absent from the keyring. */
  readonly missingKeyIds: readonly string[]
  /** Key ids in the ring whose sample row fails to open (wrong material under that id). */
  readonly undecryptableKeyIds: readonly string[]
  /** How many sealed rows each key id holds (tokens and webhook secrets together). */
  readonly rowsByKeyId: Readonly<Record<string, number>>
}

/**
 * Checks that the keyring can open every stored secret: which key ids rows use, which are
 * missing from the ring, and whether a sample row under each present key opens. For the startup
 * check and `igtoken doctor`. Never returns any secret.
 * @param store - the store
 * @param keyring - the keyring to check
 */
export async function checkKeysOpenEverything(
  store: StoreContext,
  keyring: Keyring,
): Promise<KeyCheckReport> {
  const counts = new Map<string, number>()
  const tokenCounts = await store.db
    .selectFrom('tokens')
    .select((eb) => ['key_id', eb.fn.countAll<number>().as('n')])
    .groupBy('key_id')
    .execute()
  for (const row of tokenCounts) counts.set(row.key_id, row.n)
  const secretCounts = await store.db
    .selectFrom('webhook_subscribers')
    .select((eb) => ['secret_key_id', eb.fn.countAll<number>().as('n')])
    .groupBy('secret_key_id')
    .execute()
  for (const row of secretCounts) {
    counts.set(row.secret_key_id, (counts.get(row.secret_key_id) ?? 0) + row.n)
  }

  const missingKeyIds: string[] = []
  const undecryptableKeyIds: string[] = []
  for (const keyId of [...counts.keys()].sort()) {
    if (!keyring.has(keyId)) {
      missingKeyIds.push(keyId)
      continue
    }
    if (!(await sampleOpens(store, keyring, keyId))) undecryptableKeyIds.push(keyId)
  }
  return {
    ok: missingKeyIds.length === 0 && undecryptableKeyIds.length === 0,
    missingKeyIds,
    undecryptableKeyIds,
    rowsByKeyId: Object.fromEntries(counts),
  }
}

async function sampleOpens(store: StoreContext, keyring: Keyring, keyId: string): Promise<boolean> {
  try {
    const token = await store.db
      .selectFrom('tokens')
      .select(['id', 'account_id', 'kind', 'key_id', 'ciphertext'])
      .where('key_id', '=', keyId)
      .limit(1)
      .executeTakeFirst()
    if (token !== undefined) openToken(keyring, token)
    const secret = await store.db
      .selectFrom('webhook_subscribers')
      .select(['id', 'secret_key_id', 'secret_ciphertext'])
      .where('secret_key_id', '=', keyId)
      .limit(1)
      .executeTakeFirst()
    if (secret !== undefined) openWebhookSecret(keyring, secret)
    return true
  } catch (error) {
    if (error instanceof StoreError) return false
    throw error
  }
}
