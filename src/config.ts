import { existsSync, readFileSync, statSync } from 'node:fs'
import { parseEnv } from 'node:util'
import { z } from 'zod'

/** The login flavors the service can run with. */
export const FLAVOR_NAMES = ['instagram-login', 'facebook-login', 'basic-display'] as const

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** How PostgreSQL connections use TLS, with libpq's meaning of each `sslmode`. */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const

/** Variables whose values are secret: a validation error names them but never echoes the value. */
const SECRET_VARIABLES = new Set([
  'IGTOKEN_APP_SECRET',
  'IGTOKEN_META_APP_SECRET',
  'IGTOKEN_ENCRYPTION_KEYS',
  'IGTOKEN_ADMIN_PASSWORD',
  'IGTOKEN_WEBHOOK_VERIFY_TOKEN',
])

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a whole port number')
    .min(1, 'expected a port between 1 and 65535')
    .max(65535, 'expected a port between 1 and 65535')
    .default(fallback)

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value)
      return url.protocol === 'http:' || url.protocol === 'https:'
    } catch {
      return false
    }
  }, 'expected an http:// or https:// URL')
  .transform((value) => value.replace(/\/+$/, ''))

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional()

const positiveInt = (fallback: number) =>
  z.coerce
    .number()
    .int('expected a whole number')
    .positive('expected a positive number')
    .default(fallback)

const shape = {
  IGTOKEN_HOST: z.string().trim().min(1).default('127.0.0.1'),
  IGTOKEN_PORT: port(8787),
  IGTOKEN_PUBLIC_URL: httpUrl.optional(),
  IGTOKEN_DATA_DIR: z.string().trim().min(1).default('./data'),
  IGTOKEN_DATABASE_URL: optionalText,
  IGTOKEN_DATABASE_POOL_SIZE: z.coerce
    .number()
    .int('expected a whole number')
    .min(1, 'expected 1 to 1000 connections')
    .max(1000, 'expected 1 to 1000 connections')
    .default(10),
  IGTOKEN_DATABASE_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int('expected a whole number of milliseconds')
    .min(0, 'expected 0 (no limit) or more milliseconds')
    .default(30_000),
  IGTOKEN_DATABASE_SSL_MODE: optionalText.pipe(
    z.enum(SSL_MODES, { error: `expected one of ${SSL_MODES.join(', ')}` }).optional(),
  ),
  IGTOKEN_DATABASE_SSL_CA_FILE: optionalText.pipe(
    z
      .string()
      .refine(
        (path) => existsSync(path) && statSync(path).isFile(),
        'expected the path of a readable PEM file',
      )
      .optional(),
  ),
  IGTOKEN_APP_ID: optionalText.pipe(
    z.string().regex(/^\d+$/, 'expected the numeric app id from the App Dashboard').optional(),
  ),
  IGTOKEN_APP_SECRET: optionalText,
  IGTOKEN_META_APP_SECRET: optionalText,
  IGTOKEN_FLAVOR: z
    .enum(FLAVOR_NAMES, { error: `expected one of ${FLAVOR_NAMES.join(', ')}` })
    .default('instagram-login'),
  IGTOKEN_SCOPES: optionalText,
  IGTOKEN_REDIRECT_URI: httpUrl.optional(),
  IGTOKEN_GRAPH_VERSION: z
    .string()
    .trim()
    .regex(/^v\d+\.\d+$/, 'expected a Graph API version such as v25.0')
    .default('v25.0'),
  IGTOKEN_ENCRYPTION_KEYS: optionalText,
  IGTOKEN_META_EMULATOR_URL: httpUrl.optional(),
  IGTOKEN_EMULATOR_PORT: port(8788),
  IGTOKEN_LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  IGTOKEN_TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  IGTOKEN_RATE_LIMIT_PER_MINUTE: positiveInt(300),
  IGTOKEN_API_KEY_RATE_LIMIT_PER_MINUTE: positiveInt(600_000),
  IGTOKEN_CONNECT_STATE_TTL_SECONDS: positiveInt(600),
  IGTOKEN_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).default(30),
  IGTOKEN_REFRESH_ON_READ_WITHIN_DAYS: positiveInt(7),
  IGTOKEN_ADMIN_PASSWORD: optionalText.pipe(
    z.string().min(10, 'expected at least 10 characters').optional(),
  ),
  IGTOKEN_SESSION_TTL_HOURS: positiveInt(12),
  IGTOKEN_FEED_REFRESH_SECONDS: positiveInt(300),
  IGTOKEN_FEED_ITEMS: z.coerce
    .number()
    .int('expected a whole number')
    .min(1, 'expected 1 to 100')
    .max(100, 'expected 1 to 100')
    .default(12),
  IGTOKEN_REFRESH_ENABLED: z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  IGTOKEN_REFRESH_DAYS_LEFT: z.coerce
    .number()
    .int('expected a whole number of days')
    .min(2, 'expected between 2 and 58 days')
    .max(58, 'expected between 2 and 58 days')
    .default(45),
  IGTOKEN_REFRESH_JITTER_HOURS: z.coerce
    .number()
    .min(0, 'expected 0 to 72 hours')
    .max(72, 'expected 0 to 72 hours')
    .default(12),
  IGTOKEN_REFRESH_CONCURRENCY: z.coerce
    .number()
    .int('expected a whole number')
    .min(1, 'expected 1 to 1000')
    .max(1000, 'expected 1 to 1000')
    .default(20),
  IGTOKEN_REFRESH_BATCH_SIZE: z.coerce
    .number()
    .int('expected a whole number')
    .min(1, 'expected 1 to 500')
    .max(500, 'expected 1 to 500')
    .default(100),
  IGTOKEN_REFRESH_POLL_SECONDS: positiveInt(30),
  IGTOKEN_REFRESH_LEASE_SECONDS: positiveInt(120),
  IGTOKEN_REFRESH_EXPIRING_DAYS: positiveInt(7),
  IGTOKEN_WEBHOOK_TIMEOUT_SECONDS: positiveInt(10),
  IGTOKEN_WEBHOOK_RETRY_HOURS: positiveInt(24),
  IGTOKEN_WEBHOOK_CONCURRENCY: positiveInt(8),
  IGTOKEN_WEBHOOK_POLL_SECONDS: positiveInt(5),
}

/** Every variable the service reads (docs/configuration.md documents each; a test checks). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(shape)

const schema = z.object(shape).superRefine((env, ctx) => {
  const postgres = /^postgres(ql)?:\/\//i.test(env.IGTOKEN_DATABASE_URL ?? '')
  for (const variable of ['IGTOKEN_DATABASE_SSL_MODE', 'IGTOKEN_DATABASE_SSL_CA_FILE'] as const) {
    if (env[variable] !== undefined && !postgres) {
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: 'only applies to a postgres:// IGTOKEN_DATABASE_URL',
      })
    }
  }
  if (
    env.IGTOKEN_DATABASE_SSL_MODE !== undefined &&
    postgres &&
    /[?&](sslmode|ssl|sslrootcert)=/i.test(env.IGTOKEN_DATABASE_URL ?? '')
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['IGTOKEN_DATABASE_SSL_MODE'],
      message:
        'IGTOKEN_DATABASE_URL already sets ssl options; set TLS in one place (the URL would win)',
    })
  }
  if (
    env.IGTOKEN_DATABASE_SSL_CA_FILE !== undefined &&
    (env.IGTOKEN_DATABASE_SSL_MODE === undefined || env.IGTOKEN_DATABASE_SSL_MODE === 'disable')
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['IGTOKEN_DATABASE_SSL_CA_FILE'],
      message: 'needs IGTOKEN_DATABASE_SSL_MODE=verify-full, verify-ca or require',
    })
  }
  if (env.IGTOKEN_APP_ID !== undefined && env.IGTOKEN_APP_SECRET === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['IGTOKEN_APP_SECRET'],
      message: 'is required when IGTOKEN_APP_ID is set (the app secret paired with that id)',
    })
  }
  if (env.IGTOKEN_APP_ID !== undefined && env.IGTOKEN_ENCRYPTION_KEYS === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['IGTOKEN_ENCRYPTION_KEYS'],
      message:
        'is required with a real app: run "igtoken encryption-key" and set what it prints (id:base64 key)',
    })
  }
})

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
  readonly trustProxy: boolean
  readonly rateLimitPerMinute: number
  readonly apiKeyRateLimitPerMinute: number
  readonly connectStateTtlMs: number
  readonly tokenCacheMs: number
  readonly refreshOnReadWithinMs: number
  /** The operators' dashboard. */
  readonly dashboard: DashboardConfig
  /** Public feeds. */
  readonly feeds: FeedConfig
  /** The refresh engine (issue 5). */
  readonly refresh: RefreshConfig
  /** Outbound webhook delivery. */
  readonly webhooks: WebhookConfig
}

/** Settings of the refresh engine (`IGTOKEN_REFRESH_*`). */
export interface RefreshConfig {
  /** Run the engine inside `igtoken serve` (`igtoken worker` always runs it). */
  readonly enabled: boolean
  /** Refresh Instagram tokens once fewer than this many days of their 60 remain. */
  readonly daysLeft: number
  readonly jitterHours: number
  readonly concurrency: number
  readonly batchSize: number
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
  const fromFile = readEnvFile(options.envFile === undefined ? '.env' : options.envFile)
  const merged: Record<string, string | undefined> = { ...fromFile }
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('IGTOKEN_') && value !== undefined) merged[key] = value
  }

  const parsed = schema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const variable = typeof issue?.path[0] === 'string' ? issue.path[0] : 'configuration'
    let message = issue?.message ?? 'is not valid'
    const value = merged[variable]
    if (value !== undefined && !SECRET_VARIABLES.has(variable) && issue?.code !== 'custom') {
      message += `, got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`
    }
    throw new ConfigError(variable, message)
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
    rateLimitPerMinute: e.IGTOKEN_RATE_LIMIT_PER_MINUTE,
    apiKeyRateLimitPerMinute: e.IGTOKEN_API_KEY_RATE_LIMIT_PER_MINUTE,
    connectStateTtlMs: e.IGTOKEN_CONNECT_STATE_TTL_SECONDS * 1000,
    tokenCacheMs: e.IGTOKEN_TOKEN_CACHE_SECONDS * 1000,
    refreshOnReadWithinMs: e.IGTOKEN_REFRESH_ON_READ_WITHIN_DAYS * 86_400_000,
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
      pollMs: e.IGTOKEN_REFRESH_POLL_SECONDS * 1000,
      leaseMs: e.IGTOKEN_REFRESH_LEASE_SECONDS * 1000,
      expiringWithinMs: e.IGTOKEN_REFRESH_EXPIRING_DAYS * 86_400_000,
    }),
    webhooks: Object.freeze({
      timeoutMs: e.IGTOKEN_WEBHOOK_TIMEOUT_SECONDS * 1000,
      retryWindowMs: e.IGTOKEN_WEBHOOK_RETRY_HOURS * 3_600_000,
      concurrency: e.IGTOKEN_WEBHOOK_CONCURRENCY,
      pollMs: e.IGTOKEN_WEBHOOK_POLL_SECONDS * 1000,
    }),
  }
  return Object.freeze(config)
}

function readEnvFile(path: string | false): Record<string, string> {
  if (path === false || !existsSync(path)) return {}
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>
}
