import { randomInt } from 'node:crypto'
import { appendEvent, getAccount, saveToken, upsertAccount } from '../store/index.js'
import type { AccountRow, Keyring, Store, TokenKind } from '../store/index.js'
import type { LoginResult } from './login-session.js'
import { nextRefreshAt } from './refresh-policy.js'

/**
 * Stores a token won by `igtoken login --save` exactly as the service's connect flow stores one:
 * the account is upserted by its app-scoped Meta user id (connecting again replaces the token),
 * tokens are sealed with the keyring, and an `account.connected` event is written, all in one
 * transaction.
 *
 * @returns the stored account and whether it was new
 */
export async function saveLoginResult(
  store: Store,
  keyring: Keyring,
  result: LoginResult,
  options: { readonly now: number; readonly label?: string },
): Promise<{ account: AccountRow; created: boolean }> {
  const now = options.now
  const tokens: { kind: TokenKind; accessToken: string; expiresAt: number | null }[] = [
    { kind: result.kind, accessToken: result.accessToken, expiresAt: result.expiresAt },
  ]
  if (result.pageAccessToken !== undefined) {
    tokens.push({ kind: 'facebook_page', accessToken: result.pageAccessToken, expiresAt: null })
  }
  const { id, created } = await store.db.transaction().execute(async (trx) => {
    const tx = { db: trx, dialect: store.dialect }
    const upserted = await upsertAccount(tx, {
      flavor: result.flavor,
      metaUserId: result.metaUserId,
      igUserId: result.userId,
      username: result.username,
      scopes: [...result.scopes],
      ...(options.label === undefined ? {} : { label: options.label }),
      now,
    })
    for (const token of tokens) {
      await saveToken(tx, keyring, {
        accountId: upserted.id,
        kind: token.kind,
        accessToken: token.accessToken,
        issuedAt: result.issuedAt,
        expiresAt: token.expiresAt,
        nextRefreshAt: nextRefreshAt(
          { kind: token.kind, issuedAt: result.issuedAt, expiresAt: token.expiresAt },
          randomInt(0, 1_000_000) / 1_000_000,
        ),
        expectedVersion: 'any',
        now,
      })
    }
    await appendEvent(tx, {
      type: 'account.connected',
      accountId: upserted.id,
      metaUserId: result.metaUserId,
      detail: { flavor: result.flavor, reconnected: !upserted.created, via: 'cli' },
      now,
    })
    return upserted
  })
  const account = await getAccount(store, id)
  if (account === undefined) throw new Error('the account vanished while it was saved')
  return { account, created }
}
