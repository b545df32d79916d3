import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

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
  readonly webhookDeliveries: Counter<'outcome'>
}

/** Creates the metric set. `collectDefault` adds process metrics (off in tests to keep them cheap). */
export function createMetrics(options: { collectDefault?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.collectDefault === true)
    collectDefaultMetrics({ register: registry, prefix: 'igtoken_' })
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
    webhookDeliveries: new Counter({
      name: 'igtoken_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (delivered, retry, failed).',
      labelNames: ['outcome'],
      registers,
    }),
  }
}
