import type { FastifyBaseLogger } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { keyMayDo } from '../broker/api-key-scopes.js'
import type { TokenService } from '../broker/token-service.js'
import { presentedKey } from './api-key-guard.js'
import type { ApiKeyGuard } from './api-key-guard.js'
import type { LeanHandler } from './lean-server.js'
import { writeAccessLine } from './plugins/access-log.js'
import { RATE_WINDOW_MS } from './plugins/api-rate-limit.js'
import type { ApiRateLimits } from './plugins/api-rate-limit.js'
import type { Metrics } from './plugins/metrics.js'
import { TOKEN_HEADERS, TOKEN_ROUTE, TOKEN_SCOPE, tokenBody } from './token-answer.js'

const TOKEN_PATH = /^\/api\/v1\/accounts\/([A-Za-z0-9_-]{1,128})\/token$/

/** What the token API's lean path answers with; each part is the one the Fastify route uses. */
export interface LeanTokenDeps {
  readonly tokens: TokenService
  readonly guard: ApiKeyGuard
  readonly limits: ApiRateLimits
  readonly metrics: Metrics
  /** From `accessLogger`. */
  readonly log: FastifyBaseLogger
  readonly requestId: () => string
  /** The client's address as Fastify's `request.ip` computes it (trust-proxy aware). */
  readonly clientAddress: (request: IncomingMessage) => string
  /** True once the app is closing: Fastify then answers (503 with `Connection: close`). */
  readonly closing: () => boolean
}

/**
 * The token API's lean path: the hot read of apps, `GET /api/v1/accounts/<id>/token` with a key
 * the guard has checked, the scope `tokens:read`, its budget left and the token in memory, is
 * answered here, before Fastify — its per-request machinery (reply object, child logger, hooks,
 * validation) was most of the read's cost (docs/benchmarks.md, "Token API at the defaults").
 * Every decision is the Fastify route's own function: the guard's memory ({@link ApiKeyGuard}),
 * `keyMayDo`, the same rate-limit counters, `TokenService.peek` (the cache `getToken` reads), the
 * same body and headers, the same metrics and access line. Anything else — an unknown or revoked
 * key, a missing scope, a key failure seen in the last minute, an exhausted budget, a token not
 * in memory, a query string — returns false and the route answers it.
 */
export function leanTokenPath(deps: LeanTokenDeps): LeanHandler {
  return (request, response) => {
    if (request.method !== 'GET' || deps.closing()) return false
    const url = request.url ?? ''
    const accountId = TOKEN_PATH.exec(url)?.[1]
    if (accountId === undefined) return false
    const authorization = request.headers.authorization
    const presented = presentedKey(authorization)
    if (presented === undefined) return false
    const key = deps.guard.known(presented)
    if (key === undefined || !keyMayDo(key.scopes, TOKEN_SCOPE)) return false
    // A failed key from any address turns the lean path off for the window: the per-address
    // refusal needs Fastify's view of the address.
    if (!deps.limits.noRecentFailures()) return false
    const served = deps.tokens.peek(accountId)
    if (served === undefined) return false
    const store = deps.limits.storeOf('GET', TOKEN_ROUTE)
    if (store === undefined) return false
    const started = performance.now()
    const ip = deps.clientAddress(request)
    const limitKey = deps.limits.keyOf(url, authorization, ip)
    const max = deps.limits.maxOf(limitKey)
    let counted: { current: number; ttl: number } | undefined
    // The in-memory store answers synchronously.
    store.incr(
      limitKey,
      (error, result) => {
        if (error === null) counted = result
      },
      RATE_WINDOW_MS,
      max,
    )
    // Over the limit, the route answers 429 (counting once more changes nothing).
    if (counted === undefined || counted.current > max) return false
    const body = tokenBody(served)
    response
      .writeHead(200, {
        'x-ratelimit-limit': String(max),
        'x-ratelimit-remaining': String(Math.max(0, max - counted.current)),
        'x-ratelimit-reset': String(Math.ceil(counted.ttl / 1000)),
        'x-content-type-options': 'nosniff',
        ...TOKEN_HEADERS,
        'content-length': String(Buffer.byteLength(body)),
      })
      .end(body)
    const seconds = (performance.now() - started) / 1000
    deps.metrics.httpRequests.inc({ method: 'GET', route: TOKEN_ROUTE, status: 200 })
    deps.metrics.httpDuration.observe({ method: 'GET', route: TOKEN_ROUTE }, seconds)
    writeAccessLine(deps.log, {
      id: deps.requestId(),
      method: 'GET',
      url,
      ip,
      statusCode: 200,
      responseTime: seconds * 1000,
    })
    return true
  }
}
