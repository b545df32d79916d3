import type {
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onResponseHookHandler,
} from 'fastify'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import LocalStore from '@fastify/rate-limit/store/LocalStore.js'
import { ServiceError } from '../../broker/service-error.js'
import { sha256Hex } from '../../broker/secrets.js'
import type { AuthenticatedKey } from '../../broker/api-keys.js'
import { presentedKey } from '../api-key-guard.js'
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

/** The counting window of every limit, in ms. */
export const RATE_WINDOW_MS = 60_000
const API_PREFIX = '/api/'
/** @fastify/rate-limit's default memory: this many keys per route. */
const STORE_KEYS = 5_000

/** The rate limits as {@link apiRateLimits} builds them. */
export interface ApiRateLimits {
  /**
   * What a request with a key the guard has checked is counted against: the value
   * `keyGenerator` gives it (`key:` and the key's SHA-256), computed once per verified key.
   */
  readonly keyOfKnown: (known: AuthenticatedKey, presented: string) => string
  /** The limit for a counted key (`keyGenerator`'s or {@link keyOfKnown}'s). */
  readonly maxOf: (key: string) => number
  /** Whether no address has failed an API key within the current window. */
  readonly noRecentFailures: () => boolean
  /** For @fastify/rate-limit. */
  readonly keyGenerator: (request: FastifyRequest) => string
  readonly max: (request: FastifyRequest, key: string) => number
  readonly store: FastifyRateLimitStoreCtor
  /** Each route's counters, as the plugin keeps them (`GET /api/v1/accounts/:id/token`). */
  readonly storeOf: (method: string, url: string) => FastifyRateLimitStore | undefined
  /** Root hooks for the failures. */
  readonly onRequest: onRequestHookHandler
  readonly onResponse: onResponseHookHandler
}

/**
 * Rate limits that follow who is asking: an `/api/*` request that carries a bearer key is counted
 * against that key (its SHA-256, so the limiter's memory holds no key), so one busy app behind one
 * address is not cut off at the per-address limit meant for browsers; every other request is
 * counted against its address. A key that fails authentication counts against its address too:
 * after `perAddress` failed attempts in a minute, `/api/*` answers 429 to that address before
 * checking any key, so guessing keys (or sending a new made-up key each time to get a fresh
 * per-key budget) is as limited as any anonymous traffic.
 *
 * The counters are @fastify/rate-limit's own (its in-memory store, one per route), kept where the
 * token API's lean path can count in them too, so both paths draw on one budget.
 */
export function apiRateLimits(options: ApiRateLimitOptions): ApiRateLimits {
  const failures = new Map<string, { count: number; resetAt: number }>()
  let failuresUntil = 0
  const failedTooOften = (address: string, now: number): boolean => {
    const entry = failures.get(address)
    return entry !== undefined && entry.resetAt > now && entry.count >= options.perAddress
  }
  // The limiter's memory holds the key's hash, never the key.
  const counterOf = (presented: string): string => `key:${sha256Hex(presented)}`
  const keyOf = (url: string, authorization: string | undefined, ip: string): string => {
    const key = url.startsWith(API_PREFIX) ? presentedKey(authorization) : undefined
    return key === undefined ? ip : counterOf(key)
  }
  const knownKeys = new WeakMap<AuthenticatedKey, string>()
  const keyOfKnown = (known: AuthenticatedKey, presented: string): string => {
    let key = knownKeys.get(known)
    if (key === undefined) {
      key = counterOf(presented)
      knownKeys.set(known, key)
    }
    return key
  }
  const maxOf = (key: string): number =>
    key.startsWith('key:') ? options.perKey : options.perAddress
  const stores = new Map<string, FastifyRateLimitStore>()
  class RouteStores {
    readonly #root = new LocalStore(false, false, STORE_KEYS)
    incr(...args: Parameters<FastifyRateLimitStore['incr']>): void {
      this.#root.incr(...args)
    }
    child(params: unknown): FastifyRateLimitStore {
      const store = new LocalStore(false, false, STORE_KEYS)
      const route = (params as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo
      if (typeof route?.method === 'string' && typeof route.url === 'string') {
        stores.set(`${route.method} ${route.url}`, store)
      }
      return store
    }
  }
  return {
    keyOfKnown,
    maxOf,
    noRecentFailures: () => failuresUntil <= options.now(),
    keyGenerator: (request) => keyOf(request.url, request.headers.authorization, request.ip),
    max: (_request, key) => maxOf(key),
    store: RouteStores,
    storeOf: (method, url) => stores.get(`${method} ${url}`),
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
          failures.set(request.ip, { count: 1, resetAt: now + RATE_WINDOW_MS })
        } else {
          entry.count++
        }
        failuresUntil = Math.max(failuresUntil, now + RATE_WINDOW_MS)
      }
      done()
    },
  }
}
