import { createBrokerContext } from '../broker/context.js'
import type { BrokerContext } from '../broker/context.js'
import { startChangeWatcher } from '../broker/cache/change-watcher.js'
import type { ChangeHub } from '../broker/effects/index.js'
import { createRefreshRuntime } from '../broker/refresh-runtime.js'
import type { RefreshRuntime, RefreshRuntimeHooks } from '../broker/refresh-runtime.js'
import { Throttle } from '../broker/throttle.js'
import type { Config } from '../config.js'
import { checkKeysOpenEverything, migrateToLatest, openStore } from '../store/index.js'
import type { Keyring, Store } from '../store/index.js'
import { releaseDeadOwnersLeases } from '../broker/dead-leases.js'
import { assertDataFoldersWritable, makeDataFoldersPrivate } from './data-folder.js'
import { createDemoClock } from './demo-clock.js'
import { keepDemoEmulatorState } from './demo-emulator-state.js'
import type { DemoClock } from './demo-clock.js'
import { openKeyring } from './keyring.js'
import { openMetaTarget } from './meta-target.js'
import { StartupError } from './startup-error.js'
import { WORKER_PAGE_CACHE_MB, storeOptionsOf } from './store-options.js'
import { limitHeapGrowth } from './heap-growth.js'

/**
 * What a process is: `serve` (HTTP service; engine per `IGTOKEN_REFRESH_ENABLED`, deliveries,
 * demo emulator), `worker` (engine and deliveries, no HTTP), `cli` (an operator command: nothing
 * runs in the background).
 */
export type RuntimeRole = 'serve' | 'worker' | 'cli'

/** Options of {@link openRuntime}. */
export interface RuntimeOptions {
  readonly role: RuntimeRole
  /**
   * The clock (tests move it); default Date.now, or in demo `serve` the embedded emulator's clock
   * (then {@link Runtime.clock} moves both).
   */
  readonly now?: () => number
  /** Demo `serve`: also seed the emulator user whose name is an HTML/script probe (escaping tests). */
  readonly seedHostileUser?: boolean
  /** Told about refreshes, deliveries and failed rounds (metrics, logs). */
  readonly hooks?: Omit<RefreshRuntimeHooks, 'role' | 'throttle'>
  /** The process's invalidation hub (tests watch what use cases publish); default a new one. */
  readonly changes?: ChangeHub
  /** Demo `serve`: told when the emulator's saved state cannot be read or written (logs). */
  readonly onDemoStateError?: (error: unknown) => void
  /** `serve`: told when the watcher of other processes' changes fails a poll (logs). */
  readonly onChangeWatcherError?: (error: unknown) => void
}

/** Everything one process runs on, built once from the configuration. */
export interface Runtime {
  readonly role: RuntimeRole
  readonly config: Config
  /** Opened and migrated. */
  readonly store: Store
  readonly keyring: Keyring
  /** The domain's context, with the process's change hub. */
  readonly ctx: BrokerContext
  /** Meta's slow-downs, shared through the store. */
  readonly throttle: Throttle
  /** The refresh routine, engine and webhook delivery worker (started by {@link Runtime.start}). */
  readonly refresh: RefreshRuntime
  /** The emulator answering for Meta (demo mode, tests), if any. */
  readonly emulatorUrl: string | undefined
  /**
   * Demo `serve` with no injected clock: the one clock the service and its embedded emulator share
   * (the dashboard's time travel). Undefined in live mode, where the real clock runs.
   */
  readonly clock: DemoClock | undefined
  /**
   * The clock of the person at the browser (dashboard sessions): real time even while the demo's
   * shared clock travels, or the injected clock in tests.
   */
  readonly wallNow: () => number
  /** Starts what the role runs in the background: nothing for `cli`. Idempotent. */
  start(): void
  /** Stops the background work (letting work in flight finish), then closes the store and the demo emulator. */
  close(): Promise<void>
}

/**
 * The one composition root: opens and migrates the store, opens the keyring (live keys or the demo
 * key), points at Meta (starting the demo emulator for `serve`), and wires the broker context, the
 * throttle, the refresh runtime and the delivery worker. `serve`, `worker`, every CLI command and
 * the test harnesses build their process through it. Nothing is left open when it fails.
 * @param config - the validated configuration
 * @param options - see {@link RuntimeOptions}
 * @throws {StartupError} for a configuration the process cannot run with
 */
export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { role } = options
  if (role === 'worker' && config.demo) {
    throw new StartupError(
      'demo_worker',
      'the worker needs a real app (IGTOKEN_APP_ID, IGTOKEN_APP_SECRET, IGTOKEN_ENCRYPTION_KEYS)',
      { fix: 'demo mode refreshes inside "npx igtoken serve"' },
    )
  }
  assertDataFoldersWritable(config)
  makeDataFoldersPrivate(config)
  const keyring = openKeyring(config)
  const cleanups: (() => Promise<unknown>)[] = []
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined)
  }
  try {
    const store = await openStore(
      config.databaseUrl,
      storeOptionsOf(config, role === 'worker' ? { pageCacheMb: WORKER_PAGE_CACHE_MB } : {}),
    )
    cleanups.push(() => store.close())
    await migrateToLatest(store)
    if (role !== 'cli') {
      limitHeapGrowth()
      await refuseUnopenableSecrets(store, keyring)
      // A crash mid-refresh left leases nobody will renew: on-demand refreshes would wait them out.
      await releaseDeadOwnersLeases(store)
    }
    const target = await openMetaTarget(config, {
      startEmulator: role === 'serve',
      ...(options.seedHostileUser === undefined
        ? {}
        : { seedHostileUser: options.seedHostileUser }),
    })
    cleanups.push(() => target.close())
    if (target.embedded !== undefined) {
      // Demo: the emulator's users and tokens live in the data folder beside the accounts.
      const saved = keepDemoEmulatorState(target.embedded, {
        dataDir: config.dataDir,
        keyring,
        ...(options.onDemoStateError === undefined ? {} : { onError: options.onDemoStateError }),
      })
      cleanups.push(() => saved.close())
    }
    // Demo `serve`: one clock, the emulator's, so moving it moves Meta and the service together.
    const embedded = options.now === undefined ? target.embedded : undefined
    const now = options.now ?? (embedded === undefined ? Date.now : () => embedded.state.now())
    const throttle = new Throttle(now, store, { pausePercent: config.metaUsagePausePercent })
    const ctx = createBrokerContext(config, {
      store,
      keyring,
      appId: target.appId,
      appSecret: target.appSecret,
      emulatorUrl: target.emulatorUrl,
      callbackSecrets: target.callbackSecrets,
      now,
      ...(options.changes === undefined ? {} : { changes: options.changes }),
      onUsage: (usage) => {
        throttle.observe(usage)
      },
    })
    const refresh = createRefreshRuntime(ctx, config, { ...options.hooks, role, throttle })
    if (role === 'serve') {
      // Other processes' changes reach this process's caches (stopped before the store closes).
      const watcher = await startChangeWatcher(store, ctx.changes, {
        onError: (error) => options.onChangeWatcherError?.(error),
      })
      cleanups.push(() => watcher.stop())
    }
    let engineRunning = false
    const wake = () => (engineRunning ? refresh.engine.wake() : Promise.resolve())
    const clock = embedded === undefined ? undefined : createDemoClock(embedded, wake)
    if (embedded !== undefined) {
      // A jump through the emulator's control API wakes the engine instead of waiting for its poll.
      const unsubscribe = embedded.onClockChange(() => {
        wake().catch((error: unknown) => options.hooks?.onError?.(error, 'refresh'))
      })
      cleanups.push(() => {
        unsubscribe()
        return Promise.resolve()
      })
    }
    let started = false
    let closing: Promise<void> | undefined
    return {
      role,
      config,
      store,
      keyring,
      ctx,
      throttle,
      refresh,
      emulatorUrl: target.emulatorUrl,
      clock,
      wallNow: options.now ?? Date.now,
      start() {
        if (started || role === 'cli') return
        started = true
        const withEngine = role === 'worker' || config.refresh.enabled
        refresh.start({ withEngine })
        engineRunning = withEngine
        // Stopped before the store and the emulator close (cleanups run last-in, first-out).
        cleanups.push(() => {
          engineRunning = false
          return refresh.stop()
        })
      },
      close: () => (closing ??= cleanup()),
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/** A process that cannot open every stored secret would fail later, one request at a time. */
async function refuseUnopenableSecrets(store: Store, keyring: Keyring): Promise<void> {
  const keys = await checkKeysOpenEverything(store, keyring)
  if (keys.missingKeyIds.length > 0) {
    throw new StartupError(
      'keys_missing',
      `IGTOKEN_ENCRYPTION_KEYS: stored secrets are sealed with key id(s) ${keys.missingKeyIds.join(', ')}, which the keyring does not hold`,
      { fix: 'add those keys back (after the current first key)' },
    )
  }
  if (keys.undecryptableKeyIds.length > 0) {
    throw new StartupError(
      'keys_mismatch',
      `IGTOKEN_ENCRYPTION_KEYS: key id(s) ${keys.undecryptableKeyIds.join(', ')} do not open the secrets stored under them; the key material differs from the one that sealed them`,
      { fix: 'restore the key material that sealed them' },
    )
  }
}
