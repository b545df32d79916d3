import { iso } from '../broker/account-view.js'
import type { RequiredScope } from '../broker/api-key-scopes.js'
import type { ServedToken } from '../broker/token-service.js'

/** `GET /api/v1/accounts/{id}/token`: its Fastify route and its lean path answer alike. */
export const TOKEN_ROUTE = '/api/v1/accounts/:id/token'

/** The scope a key needs to read tokens. */
export const TOKEN_SCOPE: RequiredScope = 'tokens:read'

/** The headers of a token answer besides the rate limit's and `nosniff` (the guard's). */
export const TOKEN_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const

// A token served from the cache is the same object each time: so is its body.
const bodies = new WeakMap<ServedToken, string>()

/**
 * The token API's JSON body for a served token, serialised once per token object: the route's
 * 200 schema documents it, and both the route and the lean path send this string.
 */
export function tokenBody(served: ServedToken): string {
  let body = bodies.get(served)
  if (body === undefined) {
    body = JSON.stringify({
      access_token: served.accessToken,
      expires_at: iso(served.expiresAt),
      account_id: served.accountId,
      user_id: served.userId,
    })
    bodies.set(served, body)
  }
  return body
}
