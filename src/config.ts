import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import type { z } from 'zod'
import { SECRET_VARIABLES, schema, shape } from './config-schema.js'
import type { FLAVOR_NAMES, LOG_LEVELS } from './config-schema.js'
import type {
  DashboardConfig,
  DatabaseConfig,
  FeedConfig,
  RefreshConfig,
  WebhookConfig,
} from './config-types.js'

/** The service's configuration: read once at start, validated, frozen. */
export interface Config {
  readonly host: string
  readonly port: number
  readonly publicUrl: string
  readonly dataDir: string
  readonly databaseUrl: string
  /** Connection settings for the database (`IGTOKEN_DATABASE_*`). */
  readonly database: DatabaseConfig
  /** True when no app id is set: the service runs Meta's emulator in-process with a demo app. */
  readonly demo: boolean
  readonly appId: string | undefined
  readonly appSecret: string | undefined
  /** The Meta app's own secret when the flavor uses a separate Instagram app pair; also verifies callbacks. */
  readonly metaAppSecret: string | undefined
  readonly flavor: (typeof FLAVOR_NAMES)[number]
  readonly scopes: readonly string[] | undefined
  readonly redirectUri: string
  readonly graphVersion: string
  readonly encryptionKeys: string | undefined
  readonly emulatorUrl: string | undefined
  readonly emulatorPort: number
  readonly logLevel: (typeof LOG_LEVELS)[number]
  /** `IGTOKEN_TRUST_PROXY`: false, a hop count, or the proxies' addresses/CIDRs (never `true`). */
  readonly trustProxy: false | number | readonly string[]
  /** Open HTTP connections at most (`IGTOKEN_MAX_CONNECTIONS`). */
  readonly maxConnections: number
  /** `IGTOKEN_METRICS_TOKEN`: when set, `/metrics` wants it as a bearer token. */
  readonly metricsToken: string | undefined
  readonly rateLimitPerMinute: number
  /** Requests per minute one API key may make (authenticated API traffic). */
  readonly apiKeyRateLimitPerMinute: number
  readonly connectStateTtlMs: number
  readonly tokenCacheMs: number
  /** At this share (%) of a Meta budget igtoken stops calling until Meta's suggested wait passes. */
  readonly metaUsagePausePercent: number
  readonly refreshOnReadWithinMs: number
  /** Origins besides `publicUrl` a `return_to` may send the browser to (connect links). */
  readonly returnOrigins: readonly string[]
  /** The name the service's own pages show a person (the connect link's page). */
  readonly appName: string
  /** The operators' dashboard. */
  readonly dashboard: DashboardConfig
  /** Public feeds. */
  readonly feeds: FeedConfig
  /** The refresh engine (issue 5). */
  readonly refresh: RefreshConfig
  /** Outbound webhook delivery. */
  readonly webhooks: WebhookConfig
}

/** A configuration problem: `message` is one line naming the variable and what is expected. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly variable: string
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`)
    this.variable = variable
  }
}

/**
 * Reads `.env` (when present) beneath the given environment, validates everything once and returns
 * a frozen {@link Config}. Values already in the environment win over the file.
 *
 * @throws {ConfigError} naming the first wrong or missing variable; secret values are never echoed.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { envFile?: string | false } = {},
): Config {
  const merged = readEnvironment(env, options)
  const parsed = schema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const variable = typeof issue?.path[0] === 'string' ? issue.path[0] : 'configuration'
    const message = issue?.message ?? 'is not valid'
    throw new ConfigError(variable, withValue(variable, message, merged[variable], issue?.code))
  }
  const e = parsed.data
  const publicUrl = e.IGTOKEN_PUBLIC_URL ?? `http://127.0.0.1:${e.IGTOKEN_PORT}`
  const config: Config = {
    host: e.IGTOKEN_HOST,
    port: e.IGTOKEN_PORT,
    publicUrl,
    dataDir: e.IGTOKEN_DATA_DIR,
    databaseUrl: e.IGTOKEN_DATABASE_URL ?? `sqlite:${e.IGTOKEN_DATA_DIR}/igtoken.db`,
    database: Object.freeze({
      poolSize: e.IGTOKEN_DATABASE_POOL_SIZE,
      statementTimeoutMs: e.IGTOKEN_DATABASE_STATEMENT_TIMEOUT_MS,
      sslMode: e.IGTOKEN_DATABASE_SSL_MODE,
      sslCaFile: e.IGTOKEN_DATABASE_SSL_CA_FILE,
    }),
    demo: e.IGTOKEN_APP_ID === undefined,
    appId: e.IGTOKEN_APP_ID,
    appSecret: e.IGTOKEN_APP_SECRET,
    metaAppSecret: e.IGTOKEN_META_APP_SECRET,
    flavor: e.IGTOKEN_FLAVOR,
    scopes: e.IGTOKEN_SCOPES?.split(/[\s,]+/).filter(Boolean),
    redirectUri: e.IGTOKEN_REDIRECT_URI ?? `${publicUrl}/callback`,
    graphVersion: e.IGTOKEN_GRAPH_VERSION,
    encryptionKeys: e.IGTOKEN_ENCRYPTION_KEYS,
    emulatorUrl: e.IGTOKEN_META_EMULATOR_URL,
    emulatorPort: e.IGTOKEN_EMULATOR_PORT,
    logLevel: e.IGTOKEN_LOG_LEVEL,
    trustProxy: e.IGTOKEN_TRUST_PROXY,
    maxConnections: e.IGTOKEN_MAX_CONNECTIONS,
    metricsToken: e.IGTOKEN_METRICS_TOKEN,
    rateLimitPerMinute: e.IGTOKEN_RATE_LIMIT_PER_MINUTE,
    apiKeyRateLimitPerMinute: e.IGTOKEN_API_KEY_RATE_LIMIT_PER_MINUTE,
    connectStateTtlMs: e.IGTOKEN_CONNECT_STATE_TTL_SECONDS * 1000,
    tokenCacheMs: e.IGTOKEN_TOKEN_CACHE_SECONDS * 1000,
    metaUsagePausePercent: e.IGTOKEN_META_USAGE_PAUSE_PERCENT,
    refreshOnReadWithinMs: e.IGTOKEN_REFRESH_ON_READ_WITHIN_DAYS * 86_400_000,
    returnOrigins: Object.freeze([...e.IGTOKEN_CONNECT_LINK_RETURN_ORIGINS]),
    appName: e.IGTOKEN_APP_NAME === '' ? 'igtoken' : e.IGTOKEN_APP_NAME,
    dashboard: Object.freeze({
      adminPassword: e.IGTOKEN_ADMIN_PASSWORD,
      sessionTtlMs: e.IGTOKEN_SESSION_TTL_HOURS * 3_600_000,
    }),
    feeds: Object.freeze({
      refreshMs: e.IGTOKEN_FEED_REFRESH_SECONDS * 1000,
      defaultItems: e.IGTOKEN_FEED_ITEMS,
    }),
    refresh: Object.freeze({
      enabled: e.IGTOKEN_REFRESH_ENABLED,
      daysLeft: e.IGTOKEN_REFRESH_DAYS_LEFT,
      jitterHours: e.IGTOKEN_REFRESH_JITTER_HOURS,
      concurrency: e.IGTOKEN_REFRESH_CONCURRENCY,
      batchSize: e.IGTOKEN_REFRESH_BATCH_SIZE,
      writeBehind: e.IGTOKEN_REFRESH_WRITE_BEHIND,
      pollMs: e.IGTOKEN_REFRESH_POLL_SECONDS * 1000,
      leaseMs: e.IGTOKEN_REFRESH_LEASE_SECONDS * 1000,
      expiringWithinMs: e.IGTOKEN_REFRESH_EXPIRING_DAYS * 86_400_000,
    }),
    webhooks: Object.freeze({
      timeoutMs: e.IGTOKEN_WEBHOOK_TIMEOUT_SECONDS * 1000,
      retryWindowMs: e.IGTOKEN_WEBHOOK_RETRY_HOURS * 3_600_000,
      concurrency: e.IGTOKEN_WEBHOOK_CONCURRENCY,
      pollMs: e.IGTOKEN_WEBHOOK_POLL_SECONDS * 1000,
      allowHosts: Object.freeze(
        e.IGTOKEN_WEBHOOK_ALLOW_HOSTS?.split(/[\s,]+/).filter(Boolean) ?? [],
      ),
    }),
  }
  return Object.freeze(config)
}

/** Where the variables come from: `.env` beneath the environment (the environment wins). */
export interface EnvironmentOptions {
  /** The file to read; default `.env` in the working folder; `false`: none. */
  readonly envFile?: string | false
}

/** The `IGTOKEN_*` variables of `.env` beneath those of the environment: the service and the CLI alike. */
function readEnvironment(
  env: NodeJS.ProcessEnv,
  options: EnvironmentOptions,
): Record<string, string | undefined> {
  const path = options.envFile === undefined ? '.env' : options.envFile
  const merged: Record<string, string | undefined> =
    path === false || !existsSync(path) ? {} : parseEnv(readFileSync(path, 'utf8'))
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('IGTOKEN_') && value !== undefined) merged[key] = value
  }
  return merged
}

function withValue(
  variable: string,
  message: string,
  value: string | undefined,
  issue: string | undefined,
): string {
  if (value === undefined || SECRET_VARIABLES.has(variable) || issue === 'custom') return message
  return `${message}, got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`
}

/** What `igtoken login`, `inspect` and `refresh` read; unset variables stay undefined. */
export interface CliSettings {
  readonly flavor: (typeof FLAVOR_NAMES)[number] | undefined
  readonly appId: string | undefined
  readonly appSecret: string | undefined
  /** `IGTOKEN_SCOPES` as written (the commands split and check it). */
  readonly scopes: string | undefined
  readonly emulatorUrl: string | undefined
  readonly graphVersion: string | undefined
}

/**
 * The settings of the CLI's own commands, read like the service's ({@link loadConfig}): `.env`
 * beneath the environment, each variable checked by the service's own rule. Only the variables
 * these commands use are read, so `igtoken login` works without a database or keys.
 *
 * @throws {ConfigError} naming the first wrong variable; secret values are never echoed.
 */
export function loadCliSettings(
  env: NodeJS.ProcessEnv = process.env,
  options: EnvironmentOptions = {},
): CliSettings {
  const merged = readEnvironment(env, options)
  const read = <K extends keyof typeof shape>(
    variable: K,
  ): z.output<(typeof shape)[K]> | undefined => {
    const value = merged[variable]
    if (value === undefined || value.trim() === '') return undefined
    const parsed = shape[variable].safeParse(value)
    if (parsed.success) return parsed.data as z.output<(typeof shape)[K]>
    const issue = parsed.error.issues[0]
    throw new ConfigError(
      variable,
      withValue(variable, issue?.message ?? 'is not valid', value, issue?.code),
    )
  }
  return Object.freeze({
    flavor: read('IGTOKEN_FLAVOR'),
    appId: read('IGTOKEN_APP_ID'),
    appSecret: read('IGTOKEN_APP_SECRET'),
    scopes: read('IGTOKEN_SCOPES'),
    emulatorUrl: read('IGTOKEN_META_EMULATOR_URL'),
    graphVersion: read('IGTOKEN_GRAPH_VERSION'),
  })
}
