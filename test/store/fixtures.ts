import { parseKeyring, upsertAccount } from '../../src/store/index.js'
import type { Keyring, StoreContext } from '../../src/store/index.js'

/** A keyring with fixed keys (k2 seals, k1 only opens). */
export const KEYS = {
  k1: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  k2: `k2:${Buffer.alloc(32, 2).toString('base64')}`,
}

/** Keyring whose first (sealing) key is k1. */
export function keyringK1(): Keyring {
  return parseKeyring(KEYS.k1)
}

/** Keyring whose first key is k2 and which still opens k1. */
export function keyringK2K1(): Keyring {
  return parseKeyring(`${KEYS.k2},${KEYS.k1}`)
}

let counter = 0

/** Creates an account with a unique meta user id. */
export async function makeAccount(
  store: StoreContext,
  now: number,
  metaUserId = `1784${String(++counter).padStart(10, '0')}`,
): Promise<string> {
  const { id } = await upsertAccount(store, {
    flavor: 'instagram_login',
    metaUserId,
    igUserId: `1789${counter}`,
    username: `user${counter}`,
    scopes: ['instagram_business_basic'],
    now,
  })
  return id
}
