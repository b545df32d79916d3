import type { FastifyReply, FastifyRequest } from 'fastify'
import type { BrokerContext } from '../broker/context.js'
import { ServiceError } from '../broker/service-error.js'
import { verifyApiKey } from '../store/index.js'
import { errorBody } from './respond.js'

/**
 * The `preValidation` hook every `/api/v1` route group uses: a bearer API key checked by its hash,
 * remembered for `cacheMs` so a busy app does not cost a query per request (a key revoked by
 * another process stops working after at most that long; in this process, at once).
 * Runs after the rate limit (onRequest) and before validation, so a request without a key learns
 * nothing about the route's parameters. Also sets `nosniff`: these answers are JSON.
 */
export function apiKeyGuard(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  options: { readonly cacheMs: number },
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const known = new Map<string, number>()
  return async (request, reply) => {
    void reply.header('x-content-type-options', 'nosniff')
    const key = bearer(request)
    const now = ctx.now()
    if (key !== undefined && (known.get(key) ?? 0) > now) return
    const info = key === undefined ? undefined : await verifyApiKey(ctx.store, key, now)
    if (key === undefined || info === undefined) {
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
    if (options.cacheMs > 0) {
      if (known.size > 1000) known.clear()
      known.set(key, now + options.cacheMs)
    }
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1]
}
