import { performance } from 'node:perf_hooks'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { AccountStats } from '../../broker/types.js'

/** How often the event-loop delay is sampled (ms): a stall shorter than this can go unseen. */
const EVENT_LOOP_SAMPLE_MS = 100

/**
 * Counts one answered request and its duration: the root `onResponse` hook and the lean paths
 * (which answer before Fastify) call it alike.
 */
export function countRequest(
  metrics: Pick<Metrics, 'httpRequests' | 'httpDuration'>,
  request: { readonly method: string; readonly route: string; readonly status: number },
  seconds: number,
): void {
  metrics.httpRequests.inc({ method: request.method, route: request.route, status: request.status })
  metrics.httpDuration.observe({ method: request.method, route: request.route }, seconds)
}

/** The service's Prometheus metrics, on a registry of its own so that several apps can coexist. */
export interface Metrics {
  readonly registry: Registry
  readonly httpRequests: Counter<'method' | 'route' | 'status'>
  readonly httpDuration: Histogram<'method' | 'route'>
  readonly connects: Counter<'outcome'>
  readonly refreshes: Counter<'outcome' | 'trigger'>
  readonly callbacks: Counter<'kind' | 'outcome'>
  readonly tokensByDaysToExpiry: Gauge<'bucket'>
  readonly accountsByStatus: Gauge<'status'>
  /** Seconds until the soonest-expiring token of an active account expires (absent: none). */
  readonly soonestExpirySeconds: Gauge
  /** How old the account and token counts are (they are computed off the scrape; see below). */
  readonly statsAgeSeconds: Gauge
  readonly webhookDeliveries: Counter<'outcome'>
}

/** Creates the metric set. `collectDefault` adds process metrics (off in tests to keep them cheap). */
export function createMetrics(options: { collectDefault?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.collectDefault === true)
    collectDefaultMetrics({
      register: registry,
      prefix: 'igtoken_',
      // The event-loop delay sampler wakes the process at this interval even when idle; at
      // prom-client's default (10 ms) that was most of an idle service's CPU (1.35 %, measured).
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    })
  const registers = [registry]
  return {
    registry,
    httpRequests: new Counter({
      name: 'igtoken_http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'igtoken_http_request_duration_seconds',
      help: 'HTTP request duration.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    connects: new Counter({
      name: 'igtoken_connects_total',
      help: 'Connect flows that ended, by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    refreshes: new Counter({
      name: 'igtoken_refreshes_total',
      help: 'Token refreshes, by outcome and what triggered them.',
      labelNames: ['outcome', 'trigger'],
      registers,
    }),
    callbacks: new Counter({
      name: 'igtoken_meta_callbacks_total',
      help: "Meta's deauthorize and data-deletion callbacks, by kind and outcome.",
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    tokensByDaysToExpiry: new Gauge({
      name: 'igtoken_tokens_by_days_to_expiry',
      help: 'Stored tokens expiring within N days (cumulative; bucket=never: tokens without expiry).',
      labelNames: ['bucket'],
      registers,
    }),
    accountsByStatus: new Gauge({
      name: 'igtoken_accounts_by_status',
      help: 'Accounts by status.',
      labelNames: ['status'],
      registers,
    }),
    soonestExpirySeconds: new Gauge({
      name: 'igtoken_soonest_token_expiry_seconds',
      help: 'Seconds until the closest expiry among tokens of active accounts.',
      registers,
    }),
    statsAgeSeconds: new Gauge({
      name: 'igtoken_account_stats_age_seconds',
      help: 'Age of the accounts_by_status and tokens_by_days_to_expiry figures.',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'igtoken_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (delivered, retry, failed).',
      labelNames: ['outcome'],
      registers,
    }),
  }
}

/** The "expiring within N days" buckets of `igtoken_tokens_by_days_to_expiry`. */
export const EXPIRY_BUCKET_DAYS: readonly number[] = [1, 7, 14, 30, 45, 60]

/** Options of {@link accountStatsGauges}. */
export interface AccountStatsGaugeOptions {
  /** Counts older than this are recomputed after a scrape (default 60 s). */
  readonly maxAgeMs?: number
  /**
   * The largest share of time spent counting (default 0.01): a count that took `d` is not redone
   * before `d / share`, so a million rows never cost more than 1 % of a core however often
   * Prometheus scrapes.
   */
  readonly maxBusyShare?: number
  /** Told when a background count fails (the last figures stay). */
  readonly onError?: (error: unknown) => void
}

/**
 * The account and token gauges, kept off the scrape's path: a scrape reads the last counts and, if
 * they are older than allowed, starts a recount in the background (stale-while-revalidate). Only
 * the first scrape waits for a count. The counts themselves run in slices that yield to the event
 * loop (`computeAccountStats`), so no request waits for them.
 * @param metrics - the metric set whose gauges are filled
 * @param count - computes the figures (the store's `computeAccountStats`)
 * @param now - the service clock (soonest expiry is shown relative to it)
 * @param opts - see {@link AccountStatsGaugeOptions}
 * @returns `beforeScrape()`, to await before serialising the registry
 */
export function accountStatsGauges(
  metrics: Metrics,
  count: () => Promise<AccountStats>,
  now: () => number,
  opts: AccountStatsGaugeOptions = {},
): { beforeScrape(): Promise<void> } {
  const maxAgeMs = opts.maxAgeMs ?? 60_000
  const maxBusyShare = opts.maxBusyShare ?? 0.01
  let last: { stats: AccountStats; at: number; tookMs: number } | undefined
  let running: Promise<void> | undefined

  const recount = (): Promise<void> =>
    (running ??= (async () => {
      const started = performance.now()
      try {
        const stats = await count()
        const at = performance.now()
        last = { stats, at, tookMs: at - started }
        fill(metrics, stats)
      } finally {
        running = undefined
      }
    })())

  return {
    async beforeScrape() {
      if (last === undefined) await recount()
      else if (performance.now() - last.at > Math.max(maxAgeMs, last.tookMs / maxBusyShare)) {
        recount().catch((error: unknown) => opts.onError?.(error))
      }
      if (last === undefined) return
      metrics.statsAgeSeconds.set(Math.round((performance.now() - last.at) / 1000))
      const soonest = last.stats.soonestActiveExpiry
      metrics.soonestExpirySeconds.reset()
      if (soonest !== null) metrics.soonestExpirySeconds.set(Math.round((soonest - now()) / 1000))
    },
  }
}

function fill(metrics: Metrics, stats: AccountStats): void {
  metrics.accountsByStatus.reset()
  for (const [status, n] of Object.entries(stats.accountsByStatus)) {
    metrics.accountsByStatus.set({ status }, n)
  }
  metrics.tokensByDaysToExpiry.reset()
  for (const days of EXPIRY_BUCKET_DAYS) {
    metrics.tokensByDaysToExpiry.set(
      { bucket: String(days) },
      stats.tokensExpiringWithinDays[days] ?? 0,
    )
  }
  metrics.tokensByDaysToExpiry.set({ bucket: 'never' }, stats.tokensNeverExpiring)
}
