import type { FastifyInstance } from 'fastify'
import { StartupError } from '../app/startup-error.js'
import { openRuntime } from '../app/runtime.js'
import type { Runtime } from '../app/runtime.js'
import type { ChangeHub } from '../broker/effects/index.js'
import type { RefreshRuntime } from '../broker/refresh-runtime.js'
import type { Config } from '../config.js'
import type { Store } from '../app/operations.js'
import { buildApp } from './app.js'
import { createMetrics } from './plugins/metrics.js'
import { hashPassword } from './dashboard/password.js'
import { startSignInLink } from './dashboard/sign-in-link.js'
import { StartupMetaProbes } from '../broker/startup-probes.js'

export { StartupError } from '../app/startup-error.js'

/** A running service. */
export interface RunningService {
  readonly app: FastifyInstance
  /** Where it listens, e.g. http://127.0.0.1:8787. */
  readonly url: string
  /** In demo mode, the embedded emulator's URL. */
  readonly emulatorUrl: string | undefined
  readonly store: Store
  /** The refresh engine, its routine and the webhook delivery worker (tests call `runOnce()`). */
  readonly refresh: RefreshRuntime
  /** The process's composition root (broker context, keyring, throttle…). */
  readonly runtime: Runtime
  /** Demo mode: a dashboard sign-in link that works once (printed by `igtoken serve`). */
  readonly signInUrl: string | undefined
  /** Stops taking requests, lets in-flight ones finish, closes the database (and the emulator). */
  close(): Promise<void>
}

/** Options of {@link startService} beyond the configuration. */
export interface StartServiceOptions {
  /** Where log lines go (default stdout). */
  readonly logStream?: NodeJS.WritableStream
  /** Collect Node process metrics (on for `igtoken serve`, off in tests). */
  readonly processMetrics?: boolean
  /** The clock (tests move it); default Date.now. */
  readonly now?: () => number
  /** Demo mode: also seed the emulator user whose name is an HTML/script probe (escaping tests). */
  readonly seedHostileUser?: boolean
  /** The process's invalidation hub (tests watch what use cases publish); default a new one. */
  readonly changes?: ChangeHub
}

/**
 * Starts the service from a validated {@link Config}: builds the `serve` runtime ({@link openRuntime}:
 * store, keys, demo emulator, broker context, refresh engine), the HTTP app over it, and listens.
 * Nothing is left running when it fails.
 *
 * @throws {StartupError} with a one-line reason
 */
export async function startService(
  config: Config,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  let runtime: Runtime | undefined
  let app: FastifyInstance | undefined
  // The demo emulator's saved state is restored before the app (and its logger) exists.
  const beforeLog: unknown[] = []
  try {
    const metrics = createMetrics({ collectDefault: options.processMetrics ?? false })
    runtime = await openRuntime(config, {
      role: 'serve',
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.changes === undefined ? {} : { changes: options.changes }),
      ...(options.seedHostileUser === undefined
        ? {}
        : { seedHostileUser: options.seedHostileUser }),
      hooks: {
        onRefresh: (outcome, trigger) => {
          metrics.refreshes.inc({ outcome, trigger })
        },
        onDelivery: (outcome) => {
          metrics.webhookDeliveries.inc({ outcome })
        },
        onError: (error, where) => {
          app?.log.error({ err: error }, `${where} round failed`)
        },
      },
      onDemoStateError: (error) => {
        if (app === undefined) beforeLog.push(error)
        else app.log.warn({ err: error }, 'demo emulator state: could not be restored or saved')
      },
      onChangeWatcherError: (error) => {
        app?.log.warn({ err: error }, 'change watcher: poll failed')
      },
    })
    const signInUrl = config.demo
      ? await startSignInLink({ ...runtime.ctx, now: runtime.wallNow })
      : undefined
    const metaProbes = new StartupMetaProbes(runtime.ctx, { enabled: !config.demo })
    app = await buildApp({
      ctx: runtime.ctx,
      refresher: runtime.refresh.refresher,
      demo: config.demo,
      logLevel: config.logLevel,
      ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
      trustProxy: config.trustProxy,
      connections: { maxConnections: config.maxConnections },
      ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
      rateLimitPerMinute: config.rateLimitPerMinute,
      apiKeyRateLimitPerMinute: config.apiKeyRateLimitPerMinute,
      tokenCacheMs: config.tokenCacheMs,
      metrics,
      dashboard: {
        ...(config.dashboard.adminPassword === undefined
          ? {}
          : { passwordHash: await hashPassword(config.dashboard.adminPassword) }),
        sessionTtlMs: config.dashboard.sessionTtlMs,
        sessionNow: runtime.wallNow,
        ...(runtime.clock === undefined ? {} : { clock: runtime.clock }),
      },
      feeds: { refreshMs: config.feeds.refreshMs, defaultItems: config.feeds.defaultItems },
      webhookAllowHosts: config.webhooks.allowHosts,
      appName: config.appName,
      metaProbes,
    })
    for (const error of beforeLog) {
      app.log.warn({ err: error }, 'demo emulator state: could not be restored; started afresh')
    }
    await app.listen({ host: config.host, port: config.port })
    runtime.start()
    // In the background: a slow or unreachable Meta never delays the start.
    const log = app.log
    void metaProbes.run().then((failed) => {
      for (const c of failed)
        log.error({ check: c.id }, `Meta probe failed: ${c.detail}; fix: ${c.fix ?? '-'}`)
    })
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : config.port
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    const [listening, running] = [app, runtime]
    let closing: Promise<void> | undefined
    return {
      app: listening,
      url,
      emulatorUrl: running.emulatorUrl,
      store: running.store,
      refresh: running.refresh,
      runtime: running,
      signInUrl,
      // The app first (in-flight requests finish), then the background work and the store.
      close: () => (closing ??= listening.close().then(() => running.close())),
    }
  } catch (error) {
    await app?.close().catch(() => undefined)
    await runtime?.close()
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new StartupError(
        'port_busy',
        `IGTOKEN_PORT: port ${config.port} on ${config.host} is already in use`,
        { fix: 'choose another port' },
      )
    }
    throw error
  }
}
