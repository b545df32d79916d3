import { createApiKey, listApiKeys, verifyApiKey } from '../store/index.js'
import type { ApiKeyInfo, CreatedApiKey } from '../store/index.js'
import { API_KEY_SCOPES, parseApiKeyScopes } from './api-key-scopes.js'
import type { ApiKeyScope } from './api-key-scopes.js'
import type { BrokerContext } from './context.js'

/** An API key as the edges list it: never the key nor its hash. */
export type ApiKeyListing = ApiKeyInfo

/** A key that verified: who it is and what it may do. */
export interface AuthenticatedKey {
  readonly id: string
  readonly scopes: readonly string[]
}

/**
 * Creates an API key with its scopes: the one path of the dashboard and `igtoken keys create`.
 * @param ctx - the store and the clock
 * @param input - a name, and the scopes (left out: every scope, as keys made before scopes had)
 * @returns the id, the plaintext key (shown once) and its display prefix
 * @throws ServiceError `invalid_request` for an unknown scope or an empty list
 */
export async function createScopedApiKey(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  input: { readonly name: string; readonly scopes?: readonly string[] },
): Promise<CreatedApiKey & { readonly scopes: readonly ApiKeyScope[] }> {
  const scopes = input.scopes === undefined ? [...API_KEY_SCOPES] : parseApiKeyScopes(input.scopes)
  const created = await createApiKey(ctx.store, { name: input.name, now: ctx.now(), scopes })
  return { ...created, scopes }
}

/**
 * Checks a presented key (by hash, constant-time) and says what it may do.
 * @returns the key's id and scopes, or undefined when it is unknown, malformed or revoked
 */
export async function authenticateApiKey(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  presented: string,
): Promise<AuthenticatedKey | undefined> {
  const info = await verifyApiKey(ctx.store, presented, ctx.now())
  return info === undefined ? undefined : { id: info.id, scopes: info.scopes }
}

/** Every API key, newest first (never the key itself). */
export async function listApiKeyListings(
  ctx: Pick<BrokerContext, 'store'>,
): Promise<ApiKeyListing[]> {
  return listApiKeys(ctx.store)
}
