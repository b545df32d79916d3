import type { FastifyBaseLogger } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { keyMayDo } from '../broker/api-key-scopes.js'
import type { ServedToken, TokenService } from '../broker/token-service.js'
import { presentedKey } from './api-key-guard.js'
import type { ApiKeyGuard } from './api-key-guard.js'
import { failureAnswer } from './errors.js'
import type { LeanHandler } from './lean-server.js'
import { writeAccessLine } from './plugins/access-log.js'
import type { AccessLogger } from './plugins/access-log.js'
import { RATE_WINDOW_MS } from './plugins/api-rate-limit.js'
import type { ApiRateLimits } from './plugins/api-rate-limit.js'
import type { Metrics } from './plugins/metrics.js'
import { TOKEN_HEADERS, TOKEN_ROUTE, TOKEN_SCOPE, tokenBody } from './token-answer.js'

const TOKEN_PATH = /^\/api\/v1\/accounts\/([A-Za-z0-9_-]{1,128})\/token$/
const JSON_TYPE = TOKEN_HEADERS['content-type']

/** What the token API's lean path answers with; each part is the one the Fastify route uses. */
export interface LeanTokenDeps {
  readonly tokens: TokenService
  readonly guard: ApiKeyGuard
  readonly limits: ApiRateLimits
  readonly metrics: Metrics
  readonly accessLog: AccessLogger
  /** The service's (redacting) logger, for failures that are ours. */
  readonly log: FastifyBaseLogger
  readonly requestId: () => string
  /** The client's address as Fastify's `request.ip` computes it (trust-proxy aware). */
  readonly clientAddress: (request: IncomingMessage) => string
  /** True once the app is closing: Fastify then answers (503 with `Connection: close`). */
  readonly closing: () => boolean
}

/**
 * The token API's lean path: `GET /api/v1/accounts/<id>/token`, the hot read of apps, with a key
 * the guard has already checked, the scope `tokens:read` and budget left, is answered here,
 * before Fastify — whose per-request machinery (reply object, child logger, hooks, validation)
 * was most of the read's cost (docs/benchmarks.md, "Token API at the defaults"). Every decision
 * is the Fastify route's own function: the guard's memory ({@link ApiKeyGuard}), `keyMayDo`, the
 * plugin's rate-limit counters, `TokenService.getToken` (through `peek` when the token is in
 * memory), the one failure mapping (`failureAnswer`), the same body, headers, metrics and access
 * line. The route answers the rest: an unknown or revoked key, a missing scope, a key failure
 * seen in the last minute (the per-address refusal needs Fastify's view of the address), an
 * exhausted budget (429), a query string or anything else.
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
    if (!deps.limits.noRecentFailures()) return false
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
    const answer = answering(deps, response, {
      url,
      ip,
      started,
      id: deps.requestId(),
      headers: {
        'x-ratelimit-limit': String(max),
        'x-ratelimit-remaining': String(Math.max(0, max - counted.current)),
        'x-ratelimit-reset': String(Math.ceil(counted.ttl / 1000)),
        'x-content-type-options': 'nosniff',
      },
    })
    // A token in memory is answered now; any other read waits for getToken, as the route does.
    const cached = deps.tokens.peek(accountId)
    if (cached !== undefined) answer.token(cached)
    else {
      deps.tokens
        .getToken(accountId)
        .then(answer.token, answer.failure)
        .catch((error: unknown) => {
          // Writing the answer failed (the socket is gone): nothing left to tell the client.
          deps.log.warn({ err: error }, 'a token answer could not be written')
          response.destroy()
        })
    }
    return true
  }
}

function answering(
  deps: LeanTokenDeps,
  response: ServerResponse,
  request: {
    readonly url: string
    readonly ip: string
    readonly started: number
    readonly id: string
    readonly headers: Readonly<Record<string, string>>
  },
): { token: (served: ServedToken) => void; failure: (error: unknown) => void } {
  const send = (status: number, headers: Readonly<Record<string, string>>, body: string) => {
    response
      .writeHead(status, {
        ...request.headers,
        ...headers,
        'content-length': String(Buffer.byteLength(body)),
      })
      .end(body)
    const ms = performance.now() - request.started
    deps.metrics.httpRequests.inc({ method: 'GET', route: TOKEN_ROUTE, status })
    deps.metrics.httpDuration.observe({ method: 'GET', route: TOKEN_ROUTE }, ms / 1000)
    writeAccessLine(deps.accessLog, {
      id: request.id,
      method: 'GET',
      url: request.url,
      ip: request.ip,
      statusCode: status,
      responseTime: ms,
    })
  }
  return {
    token: (served) => {
      send(200, TOKEN_HEADERS, tokenBody(served))
    },
    failure: (error) => {
      const answer = failureAnswer(error)
      if (answer.failure.code === 'internal') {
        deps.log.error({ reqId: request.id, err: error }, 'request failed')
      }
      send(
        answer.status,
        { ...answer.headers, 'content-type': JSON_TYPE },
        JSON.stringify(answer.body),
      )
    },
  }
}
