import type { FastifyReply, FastifyRequest } from 'fastify'
import { ExpiringCache } from '../broker/cache/index.js'
import type { BrokerContext } from '../broker/context.js'
import { ServiceError } from '../broker/service-error.js'
import { verifyApiKey } from '../broker/read/api-keys.js'
import { errorBody } from './respond.js'

/** Keys remembered at most; a busy installation uses a handful. */
const KNOWN_KEYS_MAX = 1_000

/**
 * The `preValidation` hook every `/api/v1` route group uses: a bearer API key checked by its hash,
 * remembered for `cacheMs` so a busy app does not cost a query per request. The memory listens to
 * `ctx.changes`: a key revoked in this process is refused on the very next request, one revoked by
 * another process as soon as the store's change watcher tells this one (within a second), and at
 * worst after `cacheMs` should the watcher be down.
 * Runs after the rate limit (onRequest) and before validation, so a request without a key learns
 * nothing about the route's parameters. Also sets `nosniff`: these answers are JSON.
 */
export function apiKeyGuard(
  ctx: Pick<BrokerContext, 'store' | 'now' | 'changes'>,
  options: { readonly cacheMs: number },
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  // Presented key → the id of the key it verified as.
  const known = new ExpiringCache<string, string>({
    maxEntries: KNOWN_KEYS_MAX,
    ttlMs: options.cacheMs,
    now: ctx.now,
  })
  ctx.changes.subscribe((change) => {
    if (change.kind === 'api-key') known.deleteWhere((keyId) => keyId === change.keyId)
    else if (change.kind === 'all') known.clear()
  })
  return async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff')
    const key = bearer(request)
    const keyId =
      key === undefined
        ? undefined
        : (known.get(key) ??
          (await known.load(key, async () => (await verifyApiKey(ctx, key, ctx.now()))?.id)))
    if (keyId === undefined) {
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
    }
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1]
}
