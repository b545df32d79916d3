import type { StoreContext } from './database.js'
import type { AccountRow } from './tables/accounts.table.js'
import type { TokenKind, TokenRow } from './tables/tokens.table.js'

const ACCOUNT_COLUMNS = [
  'id',
  'meta_user_id',
  'ig_user_id',
  'username',
  'flavor',
  'scopes',
  'status',
  'label',
  'status_reason',
  'created_at',
  'updated_at',
  'connected_at',
] as const satisfies readonly (keyof AccountRow)[]

const TOKEN_COLUMNS = [
  'id',
  'account_id',
  'kind',
  'ciphertext',
  'key_id',
  'issued_at',
  'expires_at',
  'refreshed_at',
  'version',
  'next_refresh_at',
  'lease_owner',
  'lease_until',
  'attempts',
  'last_error_code',
  'last_error_message',
  'last_error_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof TokenRow)[]

// Placeholders swapped for the real values on every call; they never reach the database.
const ACCOUNT_ID = '\u0000account_id'
const KIND = '\u0000kind'

/** An account and its token of one kind (undefined when the account has none). */
export interface AccountWithToken {
  readonly account: AccountRow
  readonly token: TokenRow | undefined
}

/**
 * A reader for the token API's hot path: one query (account LEFT JOIN token) compiled once and
 * run with new parameters each time, so a read costs no query building. Build one per store.
 * @param store - the store
 * @returns `read(accountId, kind)`: the account and its token, or undefined for no account
 */
export function accountTokenReader(
  store: StoreContext,
): (accountId: string, kind: TokenKind) => Promise<AccountWithToken | undefined> {
  const compiled = store.db
    .selectFrom('accounts')
    .leftJoin('tokens', (join) =>
      join.onRef('tokens.account_id', '=', 'accounts.id').on('tokens.kind', '=', KIND as TokenKind),
    )
    .select([
      ...ACCOUNT_COLUMNS.map((c) => `accounts.${c} as a_${c}` as const),
      ...TOKEN_COLUMNS.map((c) => `tokens.${c} as t_${c}` as const),
    ])
    .where('accounts.id', '=', ACCOUNT_ID)
    .compile()
  return async (accountId, kind) => {
    const parameters = compiled.parameters.map((p) =>
      p === ACCOUNT_ID ? accountId : p === KIND ? kind : p,
    )
    const result = await store.db.executeQuery<Record<string, unknown>>({ ...compiled, parameters })
    const row = result.rows[0]
    if (row === undefined) return undefined
    const account = Object.fromEntries(ACCOUNT_COLUMNS.map((c) => [c, row[`a_${c}`]])) as AccountRow
    const token =
      row['t_id'] === null || row['t_id'] === undefined
        ? undefined
        : (Object.fromEntries(TOKEN_COLUMNS.map((c) => [c, row[`t_${c}`]])) as TokenRow)
    return { account, token }
  }
}
