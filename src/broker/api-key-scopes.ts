import { ServiceError } from './service-error.js'

/**
 * What an API key may be allowed to do (docs/security.md, "API key scopes"). A key holds a subset;
 * every `/api/v1` route declares the scope it needs and {@link keyMayDo} is the one decision.
 */
export const API_KEY_SCOPES = [
  'tokens:read',
  'graph:read',
  'graph:write',
  'accounts:manage',
  'webhooks:manage',
  'links:manage',
] as const

/** One of {@link API_KEY_SCOPES}. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/**
 * What a route needs: one scope, or a list of which any one will do (reading the account list
 * serves a token reader, a proxy user and a manager alike).
 */
export type RequiredScope = ApiKeyScope | readonly ApiKeyScope[]

/** The scopes one-line help shows (CLI, dashboard). */
export const API_KEY_SCOPE_HELP: Readonly<Record<ApiKeyScope, string>> = Object.freeze({
  'tokens:read': 'read access tokens (GET /accounts/{id}/token) and refresh them',
  'graph:read': 'GET through the Graph proxy',
  'graph:write': 'POST and DELETE through the Graph proxy (publishing, comments)',
  'accounts:manage': 'disconnect and refresh accounts, publish feeds',
  'webhooks:manage': 'add, list and remove webhook subscribers',
  'links:manage': 'create, list and cancel connect links',
})

/** Whether `value` names a scope. */
function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value)
}

/**
 * Checks the scopes a key is being created with: a non-empty list of known scopes, each once.
 * @throws ServiceError `invalid_request` naming the first unknown scope
 */
export function parseApiKeyScopes(values: readonly string[]): ApiKeyScope[] {
  if (values.length === 0) {
    throw new ServiceError('invalid_request', 'an API key needs at least one scope', {
      hint: `scopes: ${API_KEY_SCOPES.join(', ')}`,
    })
  }
  const unknown = values.find((value) => !isApiKeyScope(value))
  if (unknown !== undefined) {
    throw new ServiceError('invalid_request', `"${unknown.slice(0, 40)}" is not a scope`, {
      hint: `scopes: ${API_KEY_SCOPES.join(', ')}`,
    })
  }
  return API_KEY_SCOPES.filter((scope) => values.includes(scope))
}

/**
 * The one decision whether a key may do a thing: it holds the scope, or one of the listed ones.
 * A route that declares nothing is refused (fail closed), so a new route cannot be left open.
 * @param granted - the key's scopes as stored
 * @param required - the route's declaration; undefined when it forgot one
 */
export function keyMayDo(granted: readonly string[], required: RequiredScope | undefined): boolean {
  if (required === undefined) return false
  const anyOf: readonly string[] = typeof required === 'string' ? [required] : required
  return anyOf.some((scope) => granted.includes(scope))
}
