import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createBrokerContext } from '../broker/context.js'
import { createRefreshRuntime } from '../broker/refresh-runtime.js'
import type { RefreshRuntime } from '../broker/refresh-runtime.js'
import { Throttle } from '../broker/throttle.js'
import type { Config } from '../config.js'
import {
  checkKeysOpenEverything,
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
} from '../store/index.js'
import type { Keyring, Store } from '../store/index.js'
import { buildApp } from './app.js'
import { createMetrics } from './plugins/metrics.js'
import { storeOptionsOf } from './store-options.js'
import { hashPassword } from './dashboard/password.js'
import { createSignInLink } from './dashboard/sign-in-link.js'

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
}

/** The configuration problem behind a refused start: one line, no stack. */
export class StartupError extends Error {
  override name = 'StartupError'
}

/**
 * Starts the service from a validated {@link Config}: opens and migrates the store, checks that
 * the encryption keys open every stored secret, starts the embedded emulator in demo mode, and
 * listens. Nothing is left running when it fails.
 *
 * @throws {StartupError} with a one-line reason
 */
export async function startService(
  config: Config,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const cleanups: (() => Promise<unknown>)[] = []
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined)
  }
  try {
    const keyring = config.demo ? demoKeyring(config) : liveKeyring(config)
    const store = await openStore(config.databaseUrl, storeOptionsOf(config))
    cleanups.push(() => store.close())
    await migrateToLatest(store)
    const keys = await checkKeysOpenEverything(store, keyring)
    if (keys.missingKeyIds.length > 0) {
      throw new StartupError(
        `IGTOKEN_ENCRYPTION_KEYS: stored secrets are sealed with key id(s) ${keys.missingKeyIds.join(', ')}, which the keyring does not hold; add them back`,
      )
    }
    if (keys.undecryptableKeyIds.length > 0) {
      throw new StartupError(
        `IGTOKEN_ENCRYPTION_KEYS: key id(s) ${keys.undecryptableKeyIds.join(', ')} do not open the secrets stored under them; the key material differs from the one that sealed them`,
      )
    }

    let emulatorUrl = config.emulatorUrl
    let credentials = { appId: config.appId ?? '', appSecret: config.appSecret ?? '' }
    let callbackSecrets = [config.appSecret, config.metaAppSecret].filter(
      (s): s is string => s !== undefined,
    )
    if (config.demo) {
      const demo = await startDemoEmulator(config, options.seedHostileUser ?? false)
      cleanups.push(() => demo.close())
      emulatorUrl = demo.url
      credentials = demo.credentials
      callbackSecrets = demo.callbackSecrets
    }

    const now = options.now ?? Date.now
    const throttle = new Throttle(now, store)
    const ctx = createBrokerContext(config, {
      store,
      keyring,
      appId: credentials.appId,
      appSecret: credentials.appSecret,
      emulatorUrl,
      callbackSecrets,
      now,
      onUsage: (usage) => {
        throttle.observe(usage)
      },
    })
    const metrics = createMetrics({ collectDefault: options.processMetrics ?? false })
    const refresh = createRefreshRuntime(ctx, config, {
      role: 'serve',
      throttle,
      onRefresh: (outcome, trigger) => {
        metrics.refreshes.inc({ outcome, trigger })
      },
      onDelivery: (outcome) => {
        metrics.webhookDeliveries.inc({ outcome })
      },
      onError: (error, where) => {
        app.log.error({ err: error }, `${where} round failed`)
      },
    })
    const signInLink = config.demo ? createSignInLink() : undefined
    const app = await buildApp({
      ctx,
      refresher: refresh.refresher,
      demo: config.demo,
      logLevel: config.logLevel,
      ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
      trustProxy: config.trustProxy,
      rateLimitPerMinute: config.rateLimitPerMinute,
      apiKeyRateLimitPerMinute: config.apiKeyRateLimitPerMinute,
      tokenCacheMs: config.tokenCacheMs,
      metrics,
      dashboard: {
        ...(config.dashboard.adminPassword === undefined
          ? {}
          : { passwordHash: await hashPassword(config.dashboard.adminPassword) }),
        ...(signInLink === undefined ? {} : { signInLink }),
        sessionTtlMs: config.dashboard.sessionTtlMs,
      },
      feeds: { refreshMs: config.feeds.refreshMs, defaultItems: config.feeds.defaultItems },
    })
    cleanups.push(() => app.close())
    await app.listen({ host: config.host, port: config.port })
    refresh.start({ withEngine: config.refresh.enabled })
    // Stopped before the app and the store close (cleanups run last-in, first-out).
    cleanups.push(() => refresh.stop())
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : config.port
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    let closing: Promise<void> | undefined
    return {
      app,
      url,
      emulatorUrl,
      store,
      refresh,
      signInUrl:
        signInLink === undefined
          ? undefined
          : `${config.publicUrl}/dashboard/sign-in/link?token=${signInLink.token}`,
      close: () => (closing ??= cleanup()),
    }
  } catch (error) {
    await cleanup()
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new StartupError(
        `IGTOKEN_PORT: port ${config.port} on ${config.host} is already in use; choose another`,
      )
    }
    throw error
  }
}

function liveKeyring(config: Config): Keyring {
  if (config.encryptionKeys === undefined) {
    throw new StartupError(
      'IGTOKEN_ENCRYPTION_KEYS: is required; run "igtoken encryption-key" to make one',
    )
  }
  try {
    return parseKeyring(config.encryptionKeys)
  } catch (error) {
    throw new StartupError(
      `IGTOKEN_ENCRYPTION_KEYS: ${error instanceof Error ? error.message : 'is not valid'}`,
    )
  }
}

/** Demo mode keeps a generated key in the data folder, so restarts can read what was stored. */
function demoKeyring(config: Config): Keyring {
  if (config.encryptionKeys !== undefined) return liveKeyring(config)
  mkdirSync(config.dataDir, { recursive: true })
  const file = join(config.dataDir, 'demo-encryption-key')
  if (!existsSync(file)) {
    writeFileSync(file, `${generateKey('demo')}\n`, { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  return parseKeyring(readFileSync(file, 'utf8').trim())
}

async function startDemoEmulator(
  config: Config,
  seedHostileUser: boolean,
): Promise<{
  url: string
  credentials: { appId: string; appSecret: string }
  callbackSecrets: string[]
  close: () => Promise<void>
}> {
  // Loaded only in demo mode: a live service never loads the emulator.
  const { startEmulator, DEMO_APP } = await import('../emulator/index.js')
  const app = {
    ...DEMO_APP,
    redirectUris: [config.redirectUri],
    deauthorizeUrl: `${config.publicUrl}/meta/deauthorize`,
    dataDeletionUrl: `${config.publicUrl}/meta/data-deletion`,
  }
  const emulator = await startEmulator({ port: config.emulatorPort, apps: [app], seedHostileUser })
  const instagram = config.flavor !== 'facebook-login'
  return {
    url: emulator.url,
    credentials: instagram
      ? { appId: app.instagramAppId, appSecret: app.instagramAppSecret }
      : { appId: app.metaAppId, appSecret: app.metaAppSecret },
    callbackSecrets: [app.instagramAppSecret, app.metaAppSecret],
    close: () => emulator.close(),
  }
}
