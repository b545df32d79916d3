import type { FastifyBaseLogger } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { keyMayDo } from '../broker/api-key-scopes.js'
import type { TokenService } from '../broker/token-service.js'
import { presentedKey } from './api-key-guard.js'
import type { ApiKeyGuard } from './api-key-guard.js'
import { failureAnswer } from './errors.js'
import type { LeanHandler } from './lean-server.js'
import { writeAccessLine } from './plugins/access-log.js'
import type { AccessLogger } from './plugins/access-log.js'
import { RATE_WINDOW_MS } from './plugins/api-rate-limit.js'
import type { ApiRateLimits } from './plugins/api-rate-limit.js'
import { countRequest } from './plugins/metrics.js'
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
    const limitKey = deps.limits.keyOfKnown(key, presented)
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
    const answer: Answer = {
      deps,
      response,
      url,
      ip,
      started,
      id: deps.requestId(),
      limit: max,
      remaining: Math.max(0, max - counted.current),
      reset: Math.ceil(counted.ttl / 1000),
    }
    // A token in memory is answered now; any other read waits for getToken, as the route does.
    const cached = deps.tokens.peek(accountId)
    if (cached !== undefined) {
      send(answer, 200, TOKEN_HEADERS, tokenBody(cached))
      return true
    }
    deps.tokens
      .getToken(accountId)
      .then(
        (served) => {
          send(answer, 200, TOKEN_HEADERS, tokenBody(served))
        },
        (error: unknown) => {
          sendFailure(answer, error)
        },
      )
      .catch((error: unknown) => {
        // Writing the answer failed (the socket is gone): nothing left to tell the client.
        deps.log.warn({ err: error }, 'a token answer could not be written')
        response.destroy()
      })
    return true
  }
}

/** One lean answer under way. */
interface Answer {
  readonly deps: LeanTokenDeps
  readonly response: ServerResponse
  readonly url: string
  readonly ip: string
  readonly started: number
  readonly id: string
  readonly limit: number
  readonly remaining: number
  readonly reset: number
}

function send(
  answer: Answer,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): void {
  const { deps } = answer
  answer.response
    .writeHead(status, {
      'x-ratelimit-limit': String(answer.limit),
      'x-ratelimit-remaining': String(answer.remaining),
      'x-ratelimit-reset': String(answer.reset),
      'x-content-type-options': 'nosniff',
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
    })
    .end(body)
  const ms = performance.now() - answer.started
  countRequest(deps.metrics, { method: 'GET', route: TOKEN_ROUTE, status }, ms / 1000)
  writeAccessLine(deps.accessLog, {
    id: answer.id,
    method: 'GET',
    url: answer.url,
    ip: answer.ip,
    statusCode: status,
    responseTime: ms,
  })
}

function sendFailure(answer: Answer, error: unknown): void {
  const failed = failureAnswer(error)
  if (failed.failure.code === 'internal') {
    answer.deps.log.error({ reqId: answer.id, err: error }, 'request failed')
  }
  send(
    answer,
    failed.status,
    { ...failed.headers, 'content-type': JSON_TYPE },
    JSON.stringify(failed.body),
  )
}
