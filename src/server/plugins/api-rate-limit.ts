import type {
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
} from 'fastify'
import { ServiceError } from '../../broker/service-error.js'
import { sha256Hex } from '../../broker/secrets.js'
import { errorBody } from '../respond.js'

/** How rate limits are counted; see {@link apiRateLimits}. */
export interface ApiRateLimitOptions {
  /** Requests per client address per minute (browsers, callbacks, requests without a key). */
  readonly perAddress: number
  /** Requests per API key per minute on `/api/*`. */
  readonly perKey: number
  /** The clock (epoch ms). */
  readonly now: () => number
}

const API_PREFIX = '/api/'
const WINDOW_MS = 60_000
const BEARER = /^Bearer\s+(\S+)$/i

function bearerKey(request: FastifyRequest): string | undefined {
  if (!request.url.startsWith(API_PREFIX)) return undefined
  const header = request.headers.authorization
  return header === undefined ? undefined : BEARER.exec(header)?.[1]
}

/**
 * Rate limits that follow who is asking: an `/api/*` request that carries a bearer key is counted
 * against that key (its SHA-256, so the limiter's memory holds no key), so one busy app behind one
 * address is not cut off at the per-address limit meant for browsers; every other request is
 * counted against its address. A key that fails authentication counts against its address too:
 * after `perAddress` failed attempts in a minute, `/api/*` answers 429 to that address before
 * checking any key, so guessing keys (or sending a new made-up key each time to get a fresh
 * per-key budget) is as limited as any anonymous traffic.
 * @returns `keyGenerator` and `max` for @fastify/rate-limit, and two root hooks for the failures
 */
export function apiRateLimits(options: ApiRateLimitOptions): {
  keyGenerator: (request: FastifyRequest) => string
  max: (request: FastifyRequest, key: string) => number
  onRequest: onRequestHookHandler
  onResponse: onResponseHookHandler
} {
  const failures = new Map<string, { count: number; resetAt: number }>()
  const failedTooOften = (address: string, now: number): boolean => {
    const entry = failures.get(address)
    return entry !== undefined && entry.resetAt > now && entry.count >= options.perAddress
  }
  return {
    keyGenerator: (request) => {
      const key = bearerKey(request)
      return key === undefined ? request.ip : `key:${sha256Hex(key)}`
    },
    max: (_request, key) => (key.startsWith('key:') ? options.perKey : options.perAddress),
    onRequest: (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (failures.size === 0 || !request.url.startsWith(API_PREFIX)) {
        done()
        return
      }
      if (failedTooOften(request.ip, options.now())) {
        void reply
          .code(429)
          .send(errorBody(new ServiceError('rate_limited', 'too many failed API keys; slow down')))
        return
      }
      done()
    },
    onResponse: (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (reply.statusCode === 401 && request.url.startsWith(API_PREFIX)) {
        const now = options.now()
        const entry = failures.get(request.ip)
        if (entry === undefined || entry.resetAt <= now) {
          // Bounded memory: a flood from many addresses starts the count over, never grows it.
          if (failures.size >= 10_000) failures.clear()
          failures.set(request.ip, { count: 1, resetAt: now + WINDOW_MS })
        } else {
          entry.count++
        }
      }
      done()
    },
  }
}
