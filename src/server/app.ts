import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import proxyAddr from '@fastify/proxy-addr'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { accountView } from '../broker/account-view.js'
import type { BrokerContext } from '../broker/context.js'
import type { DemoClock } from '../app/demo-clock.js'
import { safeEqual } from '../broker/secrets.js'
import { ServiceError } from '../broker/service-error.js'
import { SERVED_TOKEN_KIND } from '../broker/token-kinds.js'
import type { TokenRefresher } from '../broker/refresh-token.js'
import { TokenService } from '../broker/token-service.js'
import {
  computeAccountStats,
  listAccountsWithTokens,
  migrationStatus,
} from '../broker/read/accounts.js'
import { loggerOptions } from './logger.js'
import { AccessLogController } from './plugins/access-log.js'
import { RATE_WINDOW_MS, apiRateLimits } from './plugins/api-rate-limit.js'
import { clientErrorHandler } from './plugins/client-errors.js'
import { CONNECTION_DEFAULTS, connectionOptions } from './plugins/connections.js'
import { COMMON_QUERY, strictQuery } from './plugins/strict-query.js'
import type { ConnectionLimits } from './plugins/connections.js'
import {
  EXPIRY_BUCKET_DAYS,
  accountStatsGauges,
  countRequest,
  createMetrics,
} from './plugins/metrics.js'
import type { Metrics } from './plugins/metrics.js'
import { failureAnswer, httpStatusOf, sendError } from './errors.js'
import { wantsJson } from './respond.js'
import { apiKeyGuard, presentedKey } from './api-key-guard.js'
import { apiRoutes } from './routes/api.js'
import { connectRoutes } from './routes/connect.js'
import { connectLinkApiRoutes } from './routes/connect-links.js'
import { linkPageRoutes } from './routes/link-page.js'
import { metaCallbackRoutes } from './routes/meta-callbacks.js'
import { webhookRoutes } from './routes/webhooks.js'
import { graphProxyRoutes } from './routes/graph-proxy.js'
import { DestinationAllowList } from '../broker/webhooks/destination.js'
import { renderPage } from './views.js'
import { FeedPublisher } from '../broker/feeds.js'
import type { StartupMetaProbes } from '../broker/startup-probes.js'
import { dashboardRoutes } from './dashboard/routes.js'
import type { PasswordHash } from './dashboard/password.js'
import { registerOpenApi } from './openapi.js'
import { publicFeedRoutes } from './routes/feeds.js'
import { leanFeedPath } from './feed-lean-path.js'
import { leanServerFactory } from './lean-server.js'
import type { LeanHandler } from './lean-server.js'
import { leanTokenPath } from './token-lean-path.js'

/** Everything {@link buildApp} wires together. */
export interface AppOptions {
  readonly ctx: BrokerContext
  /** Demo mode shows the connected accounts on the home page (no sign-in exists yet). */
  readonly demo: boolean
  readonly logLevel?: string
  /** Where log lines go (tests capture them); default stdout. */
  readonly logStream?: NodeJS.WritableStream
  /** Or a ready logger instance. */
  readonly logger?: FastifyBaseLogger
  /** Which proxies' `X-Forwarded-For` to believe: none (default), a hop count, or addresses/CIDRs. */
  readonly trustProxy?: false | number | readonly string[]
  /** Requests per client address per minute; on `/api/*`, failed API keys per address. */
  readonly rateLimitPerMinute?: number
  /** Requests per API key per minute on `/api/*` (default 6,000,000: 100,000 a second). */
  readonly apiKeyRateLimitPerMinute?: number
  readonly tokenCacheMs?: number
  /** Connection timeouts and cap; each missing field takes {@link CONNECTION_DEFAULTS}' value. */
  readonly connections?: Partial<ConnectionLimits>
  readonly metrics?: Metrics
  /** When set, `/metrics` answers only requests bearing this token (`IGTOKEN_METRICS_TOKEN`). */
  readonly metricsToken?: string
  /** How stale `/metrics`' account and token counts may get before a recount (default 60 s). */
  readonly metricsMaxAgeMs?: number
  /** The refresh routine shared with the refresh engine (so their refreshes coalesce). */
  readonly refresher?: TokenRefresher
  /** The operators' dashboard: no password and no link means nobody can sign in. */
  readonly dashboard?: {
    readonly passwordHash?: PasswordHash
    /** Default 12 hours. */
    readonly sessionTtlMs?: number
    /** The clock sessions run on (default `ctx.now`): the real one while the demo's travels. */
    readonly sessionNow?: () => number
    /** Demo mode's shared clock: adds the "Time travel" page. */
    readonly clock?: DemoClock
  }
  /** Internal webhook receivers an operator allows (`IGTOKEN_WEBHOOK_ALLOW_HOSTS`). */
  readonly webhookAllowHosts?: readonly string[]
  /** The name the connect link's page shows (`IGTOKEN_APP_NAME`); default `igtoken`. */
  readonly appName?: string
  /** Live `serve`: the start-up Meta probes, shown on /readyz, the home page and the dashboard. */
  readonly metaProbes?: StartupMetaProbes
  /** Public feeds: refresh interval (default 5 minutes) and default item count (12). */
  readonly feeds?: { readonly refreshMs?: number; readonly defaultItems?: number }
}

/** The service as a Fastify instance. It never listens: `igtoken serve` (or a test) does. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { ctx } = options
  const metrics = options.metrics ?? createMetrics()
  const publicUrl = new URL(ctx.publicUrl)
  const connections = { ...CONNECTION_DEFAULTS, ...options.connections }
  // Filled once the routes exist; until then every request goes to Fastify.
  const lean: LeanHandler[] = []
  const trustProxy = trustProxyOption(options.trustProxy)
  const requestId = requestIds()
  let closing = false
  const accessLog = new AccessLogController(options.logger === undefined)
  const app = Fastify({
    ...(options.logger === undefined
      ? { logger: loggerOptions(options.logLevel ?? 'info', options.logStream) }
      : { loggerInstance: options.logger }),
    genReqId: requestId,
    // One access line per request instead of two (plugins/access-log.ts).
    logController: accessLog,
    // Malformed requests: answered and closed, their raw bytes never logged.
    clientErrorHandler,
    trustProxy,
    bodyLimit: 256 * 1024,
    ...connectionOptions(connections),
    routerOptions: { ignoreTrailingSlash: true },
    // Unknown query or body fields are an error (400), not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // Cached token reads and feed copies are answered before Fastify (token-lean-path.ts,
    // feed-lean-path.ts).
    serverFactory: leanServerFactory(() => lean),
  })

  // Past the cap Node closes new sockets at once, before reading a byte.
  app.server.maxConnections = connections.maxConnections

  const tokens = new TokenService(ctx, {
    cacheMs: options.tokenCacheMs ?? 30_000,
    ...(options.refresher === undefined ? {} : { refresher: options.refresher }),
    onRefresh: (outcome, trigger) => {
      metrics.refreshes.inc({ outcome, trigger })
    },
  })
  app.decorate('tokens', tokens)
  // Before any route: each one refuses query parameters it does not declare (docs/security.md).
  app.addHook('onRoute', strictQuery(COMMON_QUERY))

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    hsts: publicUrl.protocol === 'https:',
  })
  const limits = apiRateLimits({
    perAddress: options.rateLimitPerMinute ?? 300,
    perKey: options.apiKeyRateLimitPerMinute ?? 6_000_000,
    now: ctx.now,
  })
  app.addHook('onRequest', limits.onRequest)
  app.addHook('onResponse', limits.onResponse)
  await app.register(rateLimit, {
    global: false,
    max: limits.max,
    keyGenerator: limits.keyGenerator,
    store: limits.store,
    timeWindow: RATE_WINDOW_MS,
    // The plugin throws what this returns; the error handler turns it into the one error body.
    errorResponseBuilder: () => new ServiceError('rate_limited', 'too many requests; slow down'),
  })
  await app.register(cookie)
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  // Before any route: the OpenAPI document is collected as routes are added.
  await registerOpenApi(app, { publicUrl: ctx.publicUrl, version: '0.1.0' })

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    countRequest(
      metrics,
      { method: request.method, route, status: reply.statusCode },
      reply.elapsedTime / 1000,
    )
    done()
  })

  app.setErrorHandler((error, request, reply) => {
    const schema = request.routeOptions.schema as Readonly<Record<string, unknown>> | undefined
    const answer = failureAnswer(error, schema)
    if (answer.failure.code === 'internal') request.log.error({ err: error }, 'request failed')
    return reply.code(answer.status).headers(answer.headers).send(answer.body)
  })
  app.setNotFoundHandler((request, reply) => {
    const failure = new ServiceError('not_found', 'there is nothing at this address')
    if (wantsJson(request) || request.url.startsWith('/api/')) return sendError(reply, failure)
    return reply
      .code(httpStatusOf(failure))
      .type('text/html; charset=utf-8')
      .send(
        renderPage('./message', {
          title: 'Not found',
          message: 'There is nothing at this address.',
          code: failure.code,
          failed: true,
          linkHref: '/',
          linkText: 'Home',
        }),
      )
  })

  app.get('/healthz', () => ({ ok: true }))
  app.get('/readyz', async (_request, reply) => {
    try {
      const status = await migrationStatus(ctx)
      if (status.pending.length > 0) {
        return await reply.code(503).send({ ok: false, reason: 'migrations pending' })
      }
      // Meta refusing the app stays 200: stored tokens are still served and refreshed, and an
      // instance taken out of its load balancer could not show the banner that says the fix.
      return { ok: true, meta: metaProbeBody(options.metaProbes) }
    } catch {
      return reply.code(503).send({ ok: false, reason: 'database unreachable' })
    }
  })
  const statsGauges = accountStatsGauges(
    metrics,
    () => computeAccountStats(ctx, ctx.now(), { expiryDays: EXPIRY_BUCKET_DAYS }),
    ctx.now,
    {
      ...(options.metricsMaxAgeMs === undefined ? {} : { maxAgeMs: options.metricsMaxAgeMs }),
      onError: (error) => {
        app.log.error({ err: error }, 'counting accounts for /metrics failed')
      },
    },
  )
  app.get('/metrics', { config: { rateLimit: {} } }, async (request, reply) => {
    if (options.metricsToken !== undefined && !bearerMatches(request, options.metricsToken)) {
      throw new ServiceError('unauthorized', 'the metrics token is missing or wrong')
    }
    await statsGauges.beforeScrape()
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })

  app.get('/', async (_request, reply) => {
    let accounts = null
    if (options.demo) {
      // Bounded: the newest 100 accounts in two queries; the dashboard pages through the rest.
      const page = await listAccountsWithTokens(ctx, SERVED_TOKEN_KIND[ctx.flavor], {
        limit: 100,
      })
      accounts = page.items.map(({ account, token }) => {
        const view = accountView(account, token)
        return {
          ...view,
          expiresText: view.expires_at === null ? 'never' : new Date(view.expires_at).toUTCString(),
          refreshedText:
            view.refreshed_at === null ? 'not yet' : new Date(view.refreshed_at).toUTCString(),
        }
      })
    }
    return reply.type('text/html; charset=utf-8').send(
      renderPage('./home', {
        demo: options.demo,
        accounts,
        metaProblems: options.metaProbes?.report.failed ?? [],
      }),
    )
  })

  const callbackPath = new URL(ctx.redirectUri).pathname
  connectRoutes(app, { ctx, metrics, callbackPath, secureCookies: publicUrl.protocol === 'https:' })
  metaCallbackRoutes(app, { ctx, metrics })
  const publisher = new FeedPublisher(ctx, tokens, {
    refreshMs: options.feeds?.refreshMs ?? 300_000,
  })
  const defaultItems = options.feeds?.defaultItems ?? 12
  // One key check for every /api/v1 group: one cache, one revocation subscription.
  const guard = apiKeyGuard(ctx, { cacheMs: 5_000 })
  apiRoutes(app, { ctx, tokens, guard, feeds: { publisher, defaultItems } })
  publicFeedRoutes(app, { publisher })
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  lean.push(
    leanTokenPath({
      tokens,
      guard,
      limits,
      metrics,
      accessLog: accessLog.lines(app.log),
      log: app.log,
      requestId,
      clientAddress: clientAddressOf(trustProxy),
      closing: () => closing,
    }),
    leanFeedPath(publisher, metrics),
  )
  dashboardRoutes(app, {
    ctx,
    tokens,
    publisher,
    demo: options.demo,
    passwordHash: options.dashboard?.passwordHash,
    sessionTtlMs: options.dashboard?.sessionTtlMs ?? 12 * 3_600_000,
    sessionNow: options.dashboard?.sessionNow ?? ctx.now,
    clock: options.dashboard?.clock,
    secureCookies: publicUrl.protocol === 'https:',
    defaultFeedItems: defaultItems,
    metaProbes: options.metaProbes,
  })
  webhookRoutes(app, {
    ctx,
    guard,
    allow: new DestinationAllowList(options.webhookAllowHosts ?? []),
  })
  connectLinkApiRoutes(app, { ctx, guard })
  linkPageRoutes(app, {
    ctx,
    appName: options.appName ?? 'igtoken',
    callbackPath,
    secureCookies: publicUrl.protocol === 'https:',
  })
  graphProxyRoutes(app, { ctx, tokens, guard })

  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The token service, shared with the refresh engine running in the same process. */
    tokens: TokenService
  }
}

/** True when the request's `Authorization: Bearer` value is `token` (constant-time compare). */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const presented = presentedKey(request.headers.authorization)
  return presented !== undefined && safeEqual(presented, token)
}

/**
 * Fastify's `trustProxy`. A hop count becomes a function trusting the nearest `hops` addresses of
 * the chain (the peer is hop 0), so the address used is the rightmost one no trusted proxy wrote:
 * Fastify 5 itself ignores `X-Forwarded-For` entirely for a number. A list is copied (Fastify
 * takes a mutable array).
 */
function trustProxyOption(
  value: AppOptions['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (value === undefined || value === false) return false
  if (typeof value === 'number') return (_address, hop) => hop < value
  return [...value]
}

/** The client's address as Fastify's `request.ip` computes it, for the lean paths. */
function clientAddressOf(
  trust: ReturnType<typeof trustProxyOption>,
): (request: IncomingMessage) => string {
  if (trust === false) return (request) => request.socket.remoteAddress ?? ''
  const trusted = typeof trust === 'function' ? trust : proxyAddr.compile(trust)
  return (request) => proxyAddr(request, trusted)
}

/**
 * Request ids: a random prefix per process and a counter. Unique across instances and restarts,
 * and cheaper than a UUID per request on the token API's hot path.
 */
function requestIds(): () => string {
  const prefix = randomBytes(6).toString('hex')
  let n = 0
  return () => `${prefix}-${(++n).toString(36)}`
}

/** The start-up probes as /readyz reports them: status, and each failed check with its fix. */
function metaProbeBody(probes: StartupMetaProbes | undefined) {
  const report = probes?.report
  if (report === undefined) return { status: 'off' as const, failed: [] }
  return {
    status: report.status,
    failed: report.failed.map((c) => ({ id: c.id, detail: c.detail, fix: c.fix })),
  }
}
