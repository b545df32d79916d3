import { sql } from 'kysely'
import type { CompiledQuery } from 'kysely'

import type { Keyring } from './cipher.js'
import type { StoreContext } from './database.js'
import { checkLeaseOwner } from './lease-owner.js'
import { checkInstant } from './paging.js'
import type { AccountRow } from './tables/accounts.table.js'
import type { TokenRow } from './tables/tokens.table.js'
import { checkOptionalInstant, checkTokenValue } from './token-checks.js'
import { tokenAad } from './token-repository.js'

/**
 * The accounts of a claimed batch of tokens, by id: one query for the batch where the refresh
 * engine read one account per token.
 * @param store - the store
 * @param tokens - the claimed rows (at most 500, the claim's limit)
 */
export async function accountsOfTokens(
  store: StoreContext,
  tokens: readonly Pick<TokenRow, 'account_id'>[],
): Promise<Map<string, AccountRow>> {
  const ids = [...new Set(tokens.map((t) => t.account_id))]
  if (ids.length === 0) return new Map()
  const rows = await store.db.selectFrom('accounts').selectAll().where('id', 'in', ids).execute()
  return new Map(rows.map((row) => [row.id, row]))
}

// Placeholders swapped for each row's values; they never reach the database.
const P = {
  ciphertext: '\u0000ciphertext',
  keyId: '\u0000key_id',
  issuedAt: '\u0000issued_at',
  expiresAt: '\u0000expires_at',
  now: '\u0000now',
  nextRefreshAt: '\u0000next_refresh_at',
  id: '\u0000id',
  version: '\u0000version',
  owner: '\u0000owner',
} as const

const compiledUpdates = new Map<string, CompiledQuery>()

/**
 * The fenced UPDATE of {@link storeRefreshedTokens}, compiled once per dialect: the refresh
 * engine's hot path runs it for every token, and building it with Kysely each time was a
 * measurable part of a refresh's CPU (as for the token API's read, `account-token-reader.ts`).
 */
function refreshUpdate(store: StoreContext): CompiledQuery {
  let compiled = compiledUpdates.get(store.dialect.name)
  if (compiled === undefined) {
    // The placeholders stand for numbers in the typed builder; they are swapped before running.
    const n = (placeholder: string) => placeholder as unknown as number
    compiled = store.db
      .updateTable('tokens')
      .set({
        ciphertext: P.ciphertext,
        key_id: P.keyId,
        version: sql<number>`version + 1`,
        issued_at: n(P.issuedAt),
        expires_at: n(P.expiresAt),
        refreshed_at: n(P.now),
        next_refresh_at: n(P.nextRefreshAt),
        lease_owner: null,
        lease_until: null,
        attempts: 0,
        last_error_code: null,
        last_error_message: null,
        last_error_at: null,
        updated_at: n(P.now),
      })
      .where('id', '=', P.id)
      .where('version', '=', n(P.version))
      .where('lease_owner', '=', P.owner)
      .returningAll()
      .compile()
    compiledUpdates.set(store.dialect.name, compiled)
  }
  return compiled
}

/** One refreshed token of a batch, as {@link storeRefreshedTokens} writes it. */
export interface LeasedRefreshSuccess {
  /** The row as leased: its identity seals the token, its version fences the write. */
  readonly row: Pick<TokenRow, 'id' | 'account_id' | 'kind' | 'version'>
  /** The lease holder: the write is fenced by the lease. */
  readonly owner: string
  readonly accessToken: string
  readonly issuedAt: number
  readonly expiresAt: number | null
  readonly nextRefreshAt: number | null
  readonly now: number
}

/**
 * Stores a batch of refreshed tokens with the same fence as `recordRefreshSuccess` (the leased
 * version and the lease owner, in the UPDATE's WHERE), without its read before each write: the
 * leased row already gives the identity the token is sealed to. Call it inside one transaction.
 * @param store - the transaction
 * @param keyring - seals the tokens
 * @param inputs - see {@link LeasedRefreshSuccess}
 * @returns per input, the stored row, or undefined when the fence held no longer (the lease was
 *   lost or a newer version is stored: nothing was written for it)
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) on malformed input, before anything is written
 */
export async function storeRefreshedTokens(
  store: StoreContext,
  keyring: Keyring,
  inputs: readonly LeasedRefreshSuccess[],
): Promise<(TokenRow | undefined)[]> {
  const checked = inputs.map((input) => ({
    row: input.row,
    owner: checkLeaseOwner(input.owner),
    accessToken: checkTokenValue(input.accessToken),
    issuedAt: checkInstant('issuedAt', input.issuedAt),
    expiresAt: checkOptionalInstant('expiresAt', input.expiresAt),
    nextRefreshAt: checkOptionalInstant('nextRefreshAt', input.nextRefreshAt),
    now: checkInstant('now', input.now),
  }))
  const update = refreshUpdate(store)
  const stored: (TokenRow | undefined)[] = []
  for (const input of checked) {
    const sealed = keyring.seal(input.accessToken, tokenAad(input.row))
    const values: Record<string, unknown> = {
      [P.ciphertext]: sealed.ciphertext,
      [P.keyId]: sealed.keyId,
      [P.issuedAt]: input.issuedAt,
      [P.expiresAt]: input.expiresAt,
      [P.now]: input.now,
      [P.nextRefreshAt]: input.nextRefreshAt,
      [P.id]: input.row.id,
      [P.version]: input.row.version,
      [P.owner]: input.owner,
    }
    const parameters = update.parameters.map((p) =>
      typeof p === 'string' && p in values ? values[p] : p,
    )
    const result = await store.db.executeQuery<TokenRow>({ ...update, parameters })
    stored.push(result.rows[0])
  }
  return stored
}
