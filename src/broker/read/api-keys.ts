// API keys for the edges: the guard's check, the listing, and creation (a key is a plain row; its
// revocation, which must reach other processes' caches, is the use case revoke-api-key.ts).
import * as store from '../../store/index.js'
import type { After, StoreReader } from './reader.js'

/** The key's row when it is known and not revoked (compared by hash), else undefined. */
export function verifyApiKey(ctx: StoreReader, ...args: After<typeof store.verifyApiKey>) {
  return store.verifyApiKey(ctx.store, ...args)
}

/** Every API key without its hash. */
export function listApiKeys(ctx: StoreReader) {
  return store.listApiKeys(ctx.store)
}

/** A new API key: the key itself is returned once and only its hash is kept. */
export function createApiKey(ctx: StoreReader, ...args: After<typeof store.createApiKey>) {
  return store.createApiKey(ctx.store, ...args)
}
