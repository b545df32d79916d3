import { existsSync, statSync } from 'node:fs'
import { isIP } from 'node:net'
import { z } from 'zod'

// The rules of every variable igtoken reads; config.ts applies them (loadConfig, loadCliSettings).

/** The login flavors the service can run with. */
export const FLAVOR_NAMES = ['instagram-login', 'facebook-login', 'basic-display'] as const

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** How PostgreSQL connections use TLS, with libpq's meaning of each `sslmode`. */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const

/** Variables whose values are secret: a validation error names them but never echoes the value. */
export const SECRET_VARIABLES = new Set([
  'IGTOKEN_APP_SECRET',
  'IGTOKEN_META_APP_SECRET',
  'IGTOKEN_ENCRYPTION_KEYS',
  'IGTOKEN_ADMIN_PASSWORD',
  'IGTOKEN_WEBHOOK_VERIFY_TOKEN',
  'IGTOKEN_METRICS_TOKEN',
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

/** proxy-addr's names for address ranges, accepted in IGTOKEN_TRUST_PROXY's list. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true
  const [address = '', bits, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (bits === undefined) return true
  const max = family === 4 ? 32 : 128
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max
}

/**
 * Which proxies' `X-Forwarded-For` to believe: `false` (none, the default), a hop count, or the
 * proxies' addresses/CIDRs. `true` would believe any client's own header — it could pick a new
 * address per request and escape every rate limit — so it is refused with the fix.
 */
const trustProxy = z
  .string()
  .trim()
  .default('false')
  .transform((value, ctx): false | number | readonly string[] => {
    if (value === '' || value === 'false' || value === '0') return false
    if (value === 'true') {
      ctx.addIssue({
        code: 'custom',
        message:
          '"true" lets any client choose its own address; set the number of proxies in front (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8)',
      })
      return z.NEVER
    }
    if (/^\d+$/.test(value)) return Number(value)
    const entries = value.split(/[\s,]+/).filter(Boolean)
    const wrong = entries.find((entry) => !isProxyAddress(entry))
    if (wrong !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected false, a hop count or proxy addresses/CIDRs; "${wrong.slice(0, 60)}" is none`,
      })
      return z.NEVER
    }
    return Object.freeze(entries)
  })

export const shape = {
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
  IGTOKEN_TRUST_PROXY: trustProxy,
  IGTOKEN_MAX_CONNECTIONS: positiveInt(10_000),
  IGTOKEN_METRICS_TOKEN: optionalText.pipe(
    z.string().min(16, 'expected at least 16 characters').optional(),
  ),
  IGTOKEN_RATE_LIMIT_PER_MINUTE: positiveInt(300),
  IGTOKEN_API_KEY_RATE_LIMIT_PER_MINUTE: positiveInt(6_000_000),
  IGTOKEN_CONNECT_STATE_TTL_SECONDS: positiveInt(600),
  IGTOKEN_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).default(30),
  IGTOKEN_REFRESH_ON_READ_WITHIN_DAYS: positiveInt(7),
  IGTOKEN_ADMIN_PASSWORD: optionalText.pipe(
    z.string().min(10, 'expected at least 10 characters').optional(),
  ),
  IGTOKEN_SESSION_TTL_HOURS: positiveInt(12),
  IGTOKEN_FEED_REFRESH_SECONDS: positiveInt(300),
  IGTOKEN_META_USAGE_PAUSE_PERCENT: z.coerce
    .number()
    .int('expected a whole number')
    .min(50, 'expected 50 to 100')
    .max(100, 'expected 50 to 100')
    .default(90),
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
  IGTOKEN_DEMO: z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true' || value === '1')),
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
  IGTOKEN_REFRESH_WRITE_BEHIND: z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  IGTOKEN_REFRESH_POLL_SECONDS: positiveInt(30),
  IGTOKEN_REFRESH_LEASE_SECONDS: positiveInt(120),
  IGTOKEN_REFRESH_EXPIRING_DAYS: positiveInt(7),
  IGTOKEN_WEBHOOK_TIMEOUT_SECONDS: positiveInt(10),
  IGTOKEN_WEBHOOK_RETRY_HOURS: positiveInt(24),
  IGTOKEN_WEBHOOK_CONCURRENCY: positiveInt(8),
  IGTOKEN_WEBHOOK_POLL_SECONDS: positiveInt(5),
  IGTOKEN_WEBHOOK_ALLOW_HOSTS: optionalText,
  IGTOKEN_CONNECT_LINK_RETURN_ORIGINS: z
    .string()
    .trim()
    .default('')
    .transform((value, ctx): readonly string[] => {
      const origins: string[] = []
      for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
        const origin = originOf(entry)
        if (origin === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `expected origins such as https://agency.example; "${entry.slice(0, 60)}" is none`,
          })
          return z.NEVER
        }
        origins.push(origin)
      }
      return origins
    }),
  IGTOKEN_APP_NAME: z.string().trim().max(60, 'expected at most 60 characters').default('igtoken'),
}

/** An http(s) origin written alone (no path, query or credentials), or undefined. */
function originOf(entry: string): string | undefined {
  try {
    const url = new URL(entry)
    const bare = url.pathname === '/' && url.search === '' && url.hash === ''
    const plain = url.username === '' && url.password === ''
    if ((url.protocol === 'https:' || url.protocol === 'http:') && bare && plain) return url.origin
  } catch {
    return undefined
  }
  return undefined
}

/** Every variable the service reads (docs/configuration.md documents each; a test checks). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(shape)

export const schema = z.object(shape).superRefine((env, ctx) => {
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
  demoModeRule(env, ctx, postgres)
  if (env.IGTOKEN_APP_ID !== undefined && env.IGTOKEN_ENCRYPTION_KEYS === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['IGTOKEN_ENCRYPTION_KEYS'],
      message:
        'is required with a real app: run "npx igtoken encryption-key" and set what it prints (id:base64 key)',
    })
  }
})

/**
 * The one rule deciding whether demo mode may start. Demo mode (no `IGTOKEN_APP_ID`) verifies
 * Meta's callbacks with the public demo secrets, so a live-looking setup that merely lost its app
 * id must not fall into it: real keys, a PostgreSQL database or an https public URL refuse to start
 * unless `IGTOKEN_DEMO=true` says the demo is meant; `IGTOKEN_DEMO=false` refuses demo mode
 * outright. With an app id set, the service is live whatever `IGTOKEN_DEMO` says.
 */
function demoModeRule(
  env: {
    readonly IGTOKEN_APP_ID?: string | undefined
    readonly IGTOKEN_DEMO?: boolean | undefined
    readonly IGTOKEN_ENCRYPTION_KEYS?: string | undefined
    readonly IGTOKEN_PUBLIC_URL?: string | undefined
  },
  ctx: z.RefinementCtx,
  postgres: boolean,
): void {
  const demo = env.IGTOKEN_APP_ID === undefined
  if (!demo || env.IGTOKEN_DEMO === true) return
  if (env.IGTOKEN_DEMO === false) {
    ctx.addIssue({
      code: 'custom',
      path: ['IGTOKEN_APP_ID'],
      message:
        'is required: IGTOKEN_DEMO=false refuses demo mode; set IGTOKEN_APP_ID and IGTOKEN_APP_SECRET',
    })
    return
  }
  const live = [
    ...(env.IGTOKEN_ENCRYPTION_KEYS === undefined ? [] : ['IGTOKEN_ENCRYPTION_KEYS']),
    ...(postgres ? ['IGTOKEN_DATABASE_URL (PostgreSQL)'] : []),
    ...(/^https:/i.test(env.IGTOKEN_PUBLIC_URL ?? '') ? ['IGTOKEN_PUBLIC_URL (https)'] : []),
  ]
  if (live.length === 0) return
  ctx.addIssue({
    code: 'custom',
    path: ['IGTOKEN_APP_ID'],
    message: `is not set, so igtoken would start in demo mode (Meta's callbacks checked with the public demo secrets) although ${live.join(', ')} ${live.length === 1 ? 'looks' : 'look'} like a live setup. Fix: set IGTOKEN_APP_ID and IGTOKEN_APP_SECRET to go live, or IGTOKEN_DEMO=true to run the demo on purpose`,
  })
}
