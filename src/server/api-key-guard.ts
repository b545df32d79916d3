import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { keyMayDo } from '../broker/api-key-scopes.js'
import type { RequiredScope } from '../broker/api-key-scopes.js'
import { authenticateApiKey } from '../broker/api-keys.js'
import type { AuthenticatedKey } from '../broker/api-keys.js'
import { ExpiringCache } from '../broker/cache/index.js'
import type { BrokerContext } from '../broker/context.js'
import { ServiceError } from '../broker/service-error.js'
import { errorBody } from './respond.js'

/** Keys remembered at most; a busy installation uses a handful. */
const KNOWN_KEYS_MAX = 1_000

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The scope an API key needs for this route (any one of a list). Every `/api/v1` route
     * declares one; the guard refuses a route that does not (test/server/api-key-scopes.test.ts).
     */
    scope?: RequiredScope
  }
  interface FastifyRequest {
    /** The key that passed the guard (its id and scopes), on `/api/v1` routes. */
    apiKey?: AuthenticatedKey
  }
}

/**
 * The `preValidation` hook every `/api/v1` route group uses: a bearer API key checked by its hash,
 * remembered for `cacheMs` so a busy app does not cost a query per request, then its scopes
 * against the route's `config.scope` ({@link keyMayDo}, the one decision). The memory listens to
 * `ctx.changes`: a key revoked in this process is refused on the very next request, one revoked by
 * another process as soon as the store's change watcher tells this one (within a second), and at
 * worst after `cacheMs` should the watcher be down.
 * Runs after the rate limit (onRequest) and before validation, so a request without a key (or
 * without the scope) learns nothing about the route's parameters and changes nothing. Also sets
 * `nosniff`: these answers are JSON.
 */
/** The bearer-key check of every `/api/v1` route group (one per app: one cache, one subscription). */
export type ApiKeyGuard = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & {
  /**
   * The key a presented secret verified as, when the guard remembers it (no query, no wait): the
   * token API's lean path answers only for keys the guard has already checked.
   */
  readonly known: (presented: string) => AuthenticatedKey | undefined
}

export function apiKeyGuard(
  ctx: Pick<BrokerContext, 'store' | 'now' | 'changes'>,
  options: { readonly cacheMs: number },
): ApiKeyGuard {
  // Presented key → the key it verified as (id and scopes).
  const known = new ExpiringCache<string, AuthenticatedKey>({
    maxEntries: KNOWN_KEYS_MAX,
    ttlMs: options.cacheMs,
    now: ctx.now,
  })
  ctx.changes.subscribe((change) => {
    if (change.kind === 'api-key') known.deleteWhere((found) => found.id === change.keyId)
    else if (change.kind === 'all') known.clear()
  })
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    void reply.header('x-content-type-options', 'nosniff')
    const key = presentedKey(request.headers.authorization)
    const found =
      key === undefined
        ? undefined
        : (known.get(key) ?? (await known.load(key, () => authenticateApiKey(ctx, key))))
    if (found === undefined) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="igtoken"')
        .send(
          errorBody(
            new ServiceError(
              'unauthorized',
              'a valid API key is required: "Authorization: Bearer <key>"',
            ),
          ),
        )
      return
    }
    const required = request.routeOptions.config.scope
    if (!keyMayDo(found.scopes, required)) {
      const needed =
        required === undefined
          ? 'a scope this route does not declare'
          : typeof required === 'string'
            ? `"${required}"`
            : `one of ${required.map((s) => `"${s}"`).join(', ')}`
      await reply
        .code(403)
        .send(
          errorBody(
            new ServiceError('forbidden_scope', `this API key lacks the scope: it needs ${needed}`),
          ),
        )
      return
    }
    request.apiKey = found
  }
  return Object.assign(guard, { known: (presented: string) => known.get(presented) })
}

const BEARER = /^Bearer\s+(\S+)$/i

/** The API key an `Authorization: Bearer <key>` header presents (the one parser of it). */
export function presentedKey(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1]
}

/**
 * What every `/api/v1` route group adds: the key check before validation, and no helmet page
 * headers — the answers are JSON for programs, and helmet rebuilds its CSP on every request (it
 * cost more than the rest of a cached token read); the guard sets `nosniff`.
 * @param api - the group's encapsulated instance
 */
export function guardApiGroup(api: FastifyInstance, guard: ApiKeyGuard): void {
  api.addHook('onRoute', (route) => {
    // @fastify/helmet reads this per request; its types only know the route-level option.
    const config: Record<string, unknown> = { ...route.config, helmet: { skipRoute: true } }
    route.config = config
  })
  api.addHook('preValidation', guard)
}
