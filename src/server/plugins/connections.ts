import type { FastifyServerOptions } from 'fastify'

/** How long connections may sit idle or take, and how many may be open; see {@link CONNECTION_DEFAULTS}. */
export interface ConnectionLimits {
  /** A socket that sends or receives nothing for this long is closed. */
  readonly idleTimeoutMs: number
  /** A request must arrive whole (headers and body) within this. */
  readonly requestTimeoutMs: number
  /** An idle keep-alive socket between requests is closed after this. */
  readonly keepAliveTimeoutMs: number
  /** Requests one keep-alive socket may carry before the server closes it. */
  readonly maxRequestsPerSocket: number
  /** Open connections at most (`IGTOKEN_MAX_CONNECTIONS`); more are closed at once. */
  readonly maxConnections: number
}

/**
 * The defaults, generous for real clients and short for sockets that hold a slot without using it
 * (an idle socket stayed open 400 s and 1,500 half-open connections were all held before these).
 * Keep-alive stays above 1 s: Node 20's fetch keeps no socket alive at 1 s or less.
 */
export const CONNECTION_DEFAULTS: ConnectionLimits = Object.freeze({
  idleTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 10_000,
  maxConnections: 10_000,
})

/** The Fastify constructor options for {@link ConnectionLimits} (the cap is set on the server). */
export function connectionOptions(
  limits: ConnectionLimits,
): Pick<
  FastifyServerOptions,
  'connectionTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'maxRequestsPerSocket'
> {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
  }
}
