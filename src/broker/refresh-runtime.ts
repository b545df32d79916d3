import type { RefreshConfig, WebhookConfig } from '../config-types.js'
import type { BrokerContext } from './context.js'
import { createHousekeeping } from './housekeeping.js'
import type { HousekeepingReport } from './housekeeping.js'
import { RefreshEngine } from './refresh-scheduler.js'
import { TokenRefresher, newLeaseOwner } from './refresh-token.js'
import type { RefreshOutcome, RefreshTrigger } from './refresh-token.js'
import { Throttle } from './throttle.js'
import { WebhookDeliveryWorker } from './webhooks/delivery-worker.js'
import { DestinationAllowList } from './webhooks/destination.js'
import type { RoundLoop } from './round-loop.js'

/** The refresh engine, its shared routine and the webhook delivery worker of one process. */
export interface RefreshRuntime {
  readonly throttle: Throttle
  readonly refresher: TokenRefresher
  readonly engine: RefreshEngine
  readonly deliveries: WebhookDeliveryWorker
  /** The periodic sweep of expired rows (connect attempts). */
  readonly housekeeping: RoundLoop<HousekeepingReport>
  /** Starts the engine (when `withEngine`), the delivery worker and the housekeeping. */
  start(options: { readonly withEngine: boolean }): void
  /** Stops both, letting work in flight finish (graceful shutdown). */
  stop(): Promise<void>
}

/** Hooks of {@link createRefreshRuntime}. */
export interface RefreshRuntimeHooks {
  /** The throttle the Meta client's `onUsage` already feeds; default a new one. */
  readonly throttle?: Throttle
  /** `serve` or `worker`: the prefix of the lease owner. */
  readonly role: string
  readonly onRefresh?: (outcome: RefreshOutcome, trigger: RefreshTrigger) => void
  readonly onDelivery?: (outcome: 'delivered' | 'retry' | 'failed') => void
  readonly onError?: (error: unknown, where: 'refresh' | 'webhooks' | 'housekeeping') => void
}

/**
 * Wires the refresh routine, engine and webhook worker from the configuration, sharing one lease
 * owner and one throttle, so `igtoken serve` and `igtoken worker` run the very same code.
 * @param ctx - the broker context
 * @param config - `refresh` and `webhooks` settings
 * @param hooks - see {@link RefreshRuntimeHooks}
 */
export function createRefreshRuntime(
  ctx: BrokerContext,
  config: { readonly refresh: RefreshConfig; readonly webhooks: WebhookConfig },
  hooks: RefreshRuntimeHooks,
): RefreshRuntime {
  const owner = newLeaseOwner(hooks.role)
  const throttle = hooks.throttle ?? new Throttle(ctx.now, ctx.store)
  const refresher = new TokenRefresher(ctx, {
    owner,
    throttle,
    policy: {
      refreshWhenDaysLeft: config.refresh.daysLeft,
      jitterHours: config.refresh.jitterHours,
      warnDaysBeforeExpiry: config.refresh.expiringWithinMs / 86_400_000,
    },
    expiringWithinMs: config.refresh.expiringWithinMs,
    leaseMs: config.refresh.leaseMs,
    ...(config.refresh.writeBehind ? { writeBehind: {} } : {}),
    ...(hooks.onRefresh === undefined ? {} : { onOutcome: hooks.onRefresh }),
    onError: (error) => hooks.onError?.(error, 'refresh'),
  })
  const engine = new RefreshEngine(ctx, refresher, {
    concurrency: config.refresh.concurrency,
    batchSize: config.refresh.batchSize,
    leaseMs: config.refresh.leaseMs,
    pollMs: config.refresh.pollMs,
    onError: (error) => hooks.onError?.(error, 'refresh'),
  })
  const deliveries = new WebhookDeliveryWorker(ctx.store, ctx.keyring, {
    owner,
    now: ctx.now,
    concurrency: config.webhooks.concurrency,
    timeoutMs: config.webhooks.timeoutMs,
    retryWindowMs: config.webhooks.retryWindowMs,
    pollMs: config.webhooks.pollMs,
    allow: new DestinationAllowList(config.webhooks.allowHosts),
    ...(hooks.onDelivery === undefined ? {} : { onOutcome: hooks.onDelivery }),
    onError: (error) => hooks.onError?.(error, 'webhooks'),
  })
  const housekeeping = createHousekeeping(ctx, {
    onError: (error) => hooks.onError?.(error, 'housekeeping'),
  })
  return {
    throttle,
    refresher,
    engine,
    deliveries,
    housekeeping,
    start({ withEngine }) {
      if (withEngine) engine.start()
      deliveries.start()
      housekeeping.start()
    },
    async stop() {
      await Promise.all([engine.stop(), deliveries.stop(), housekeeping.stop()])
    },
  }
}
