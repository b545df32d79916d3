import { enqueueWebhookDeliveries, newId, subscribersFor } from '../../store/index.js'
import type { AccountRow, StoreContext } from '../../store/index.js'
import { webhookEventBody } from './webhook-events.js'
import type { WebhookEventData, WebhookEventType } from './webhook-events.js'

/**
 * Queues an event for every subscriber that wants it. Only rows are written here; the delivery
 * worker sends them, so a slow or dead endpoint never holds up a refresh or a request.
 *
 * Failures to queue are swallowed and reported through `onError`: telling people must never undo
 * or fail the change it reports.
 * @param store - the store
 * @param event - type, account (as it is after the change), extra data and the clock
 * @param onError - told about a failure to queue (logging)
 * @returns how many deliveries were queued
 */
export async function publishWebhookEvent(
  store: StoreContext,
  event: {
    readonly type: WebhookEventType
    readonly account: Pick<AccountRow, 'id' | 'ig_user_id' | 'meta_user_id' | 'username' | 'status'>
    readonly data?: WebhookEventData
    readonly now: number
  },
  onError?: (error: unknown) => void,
): Promise<number> {
  try {
    // Asked every time, like the outbox `record()`: a new subscriber hears the next event.
    const subscribers = await subscribersFor(store, event.type)
    if (subscribers.length === 0) return 0
    const body = webhookEventBody(
      newId('evt'),
      event.type,
      event.account,
      event.data ?? {},
      event.now,
    )
    const rows = await enqueueWebhookDeliveries(store, {
      eventType: event.type,
      payload: JSON.stringify(body),
      subscriberIds: subscribers.map((s) => s.id),
      now: event.now,
    })
    return rows.length
  } catch (error) {
    onError?.(error)
    return 0
  }
}
