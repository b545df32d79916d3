import type { SSL_MODES } from './config-schema.js'

/** Settings of the refresh engine (`IGTOKEN_REFRESH_*`). */
export interface RefreshConfig {
  /** Run the engine inside `igtoken serve` (`igtoken worker` always runs it). */
  readonly enabled: boolean
  /** Refresh Instagram tokens once fewer than this many days of their 60 remain. */
  readonly daysLeft: number
  readonly jitterHours: number
  readonly concurrency: number
  readonly batchSize: number
  /** Store the engine's successes many to a transaction (`IGTOKEN_REFRESH_WRITE_BEHIND`). */
  readonly writeBehind: boolean
  readonly pollMs: number
  readonly leaseMs: number
  /** Send `token.expiring` this close to expiry when a token is not refreshed. */
  readonly expiringWithinMs: number
}

/** Settings of webhook delivery (`IGTOKEN_WEBHOOK_*`). */
export interface WebhookConfig {
  readonly timeoutMs: number
  /** Retries stop this long after the event. */
  readonly retryWindowMs: number
  readonly concurrency: number
  readonly pollMs: number
  /** Internal hosts, addresses or CIDR ranges webhooks may reach on purpose. */
  readonly allowHosts: readonly string[]
}

/** Settings of the dashboard (`IGTOKEN_ADMIN_PASSWORD`, `IGTOKEN_SESSION_TTL_HOURS`). */
export interface DashboardConfig {
  /** Operators sign in with it; unset: no password sign-in (demo mode prints a one-time link). */
  readonly adminPassword: string | undefined
  readonly sessionTtlMs: number
}

/** Settings of public feeds (`IGTOKEN_FEED_*`). */
export interface FeedConfig {
  /** A feed asks Meta at most once per this long, whatever the traffic. */
  readonly refreshMs: number
  /** Media items a new feed shows unless told otherwise. */
  readonly defaultItems: number
}

/** Connection settings of the database (`IGTOKEN_DATABASE_*`). */
export interface DatabaseConfig {
  /** PostgreSQL connections per process. */
  readonly poolSize: number
  /** PostgreSQL `statement_timeout`, ms; 0 = no limit. */
  readonly statementTimeoutMs: number
  /** TLS towards PostgreSQL; undefined = whatever the URL says (pg's default: none). */
  readonly sslMode: (typeof SSL_MODES)[number] | undefined
  /** PEM file with the certificate authorities to trust (instead of Node's bundled ones). */
  readonly sslCaFile: string | undefined
}
