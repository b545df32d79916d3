import type { StoreContext } from './database.js'
import { newId } from './ids.js'
import { checkInstant, pageLimit } from './paging.js'
import { redactSecrets } from './redact.js'
import { invalidArgument } from './store-error.js'
import type { WebhookDeliveryRow } from './tables/webhook-deliveries.table.js'
import { checkLeaseOwner } from './lease-owner.js'

/**
 * Queues one delivery of an event per subscriber, due now.
 * @param store - the store
 * @param input - the event type, its JSON payload (never a token) and the subscriber ids
 * @returns the queued rows
 */
export async function enqueueWebhookDeliveries(
  store: StoreContext,
  input: {
    readonly eventType: string
    readonly payload: string
    readonly subscriberIds: readonly string[]
    readonly now: number
  },
): Promise<WebhookDeliveryRow[]> {
  const now = checkInstant('now', input.now)
  if (input.subscriberIds.length === 0) return []
  if (input.payload.length > 64 * 1024) throw invalidArgument('"payload" must be at most 64 KiB')
  return store.db
    .insertInto('webhook_deliveries')
    .values(
      input.subscriberIds.map((subscriberId) => ({
        id: newId('dlv'),
        subscriber_id: subscriberId,
        event_type: input.eventType,
        payload: input.payload,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })),
    )
    .returningAll()
    .execute()
}

/**
 * Leases pending deliveries that are due and not held by anyone, oldest due first — the same
 * single-statement claim as `claimDueTokens`, so several instances deliver each one once.
 * @param store - the store
 * @param input - who claims, the clock, the lease length and how many (1–500)
 */
export async function claimDueDeliveries(
  store: StoreContext,
  input: {
    readonly owner: string
    readonly now: number
    readonly leaseMs: number
    readonly limit: number
  },
): Promise<WebhookDeliveryRow[]> {
  const owner = checkLeaseOwner(input.owner)
  const now = checkInstant('now', input.now)
  if (!Number.isSafeInteger(input.leaseMs) || input.leaseMs < 1) {
    throw invalidArgument('"leaseMs" must be a positive integer')
  }
  const limit = pageLimit(input.limit, 50)
  // Picked once, in a MATERIALIZED common table expression, as the token claim does
  // (token-lease-repository.ts): as `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL
  // may run the sub-select again for each pending row and lease past the limit.
  const rows = await store.db
    .with(
      (cte) => cte('candidates').materialized(),
      (db) =>
        store.dialect.lockForClaim(
          db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(limit),
        ),
    )
    .updateTable('webhook_deliveries')
    .set({ lease_owner: owner, lease_until: now + input.leaseMs })
    .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .returningAll()
    .execute()
  return rows.sort((a, b) => (a.next_attempt_at ?? 0) - (b.next_attempt_at ?? 0))
}

/**
 * Records an attempt's result and releases the lease: `delivered`, a retry at `nextAttemptAt`, or
 * `failed` for good (when `nextAttemptAt` is null).
 * @returns the updated row, or undefined when `owner` no longer holds the lease
 */
export async function recordDeliveryAttempt(
  store: StoreContext,
  input: {
    readonly id: string
    readonly owner: string
    readonly delivered: boolean
    /** HTTP status the subscriber answered, or null when it could not be reached. */
    readonly statusCode: number | null
    /** Short reason (redacted before storing), or null on success. */
    readonly error: string | null
    readonly nextAttemptAt: number | null
    readonly now: number
  },
): Promise<WebhookDeliveryRow | undefined> {
  const owner = checkLeaseOwner(input.owner)
  const now = checkInstant('now', input.now)
  if (input.nextAttemptAt !== null) checkInstant('nextAttemptAt', input.nextAttemptAt)
  const status = input.delivered ? 'delivered' : input.nextAttemptAt === null ? 'failed' : 'pending'
  return store.db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status,
      attempts: eb('attempts', '+', 1),
      next_attempt_at: input.delivered ? null : input.nextAttemptAt,
      lease_owner: null,
      lease_until: null,
      last_status_code: input.statusCode,
      last_error: input.error === null ? null : redactSecrets(input.error, 300),
      delivered_at: input.delivered ? now : null,
    }))
    .where('id', '=', input.id)
    .where('lease_owner', '=', owner)
    .returningAll()
    .executeTakeFirst()
}

/**
 * A subscriber's deliveries, newest first.
 * @param store - the store
 * @param subscriberId - the subscriber
 * @param opts - `limit` (1–500, default 50)
 */
export async function listWebhookDeliveries(
  store: StoreContext,
  subscriberId: string,
  opts: { readonly limit?: number } = {},
): Promise<WebhookDeliveryRow[]> {
  return store.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(pageLimit(opts.limit))
    .execute()
}

/**
 * Counts deliveries by status (for metrics).
 * @param store - the store
 */
export async function countDeliveriesByStatus(
  store: StoreContext,
): Promise<Record<'pending' | 'delivered' | 'failed', number>> {
  const rows = await store.db
    .selectFrom('webhook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute()
  const out = { pending: 0, delivered: 0, failed: 0 }
  for (const row of rows) out[row.status] = row.n
  return out
}
