import {
  appendEvent,
  enqueueWebhookDeliveries,
  subscribersFor,
  wantsEvent,
} from '../../store/index.js'
import type { StoreContext, WebhookSubscriberRow } from '../../store/index.js'
import { webhookEventBody } from '../webhooks/webhook-events.js'
import type { Effect } from './vocabulary.js'

/**
 * The outbox: writes an effect's event row and one webhook delivery per interested subscriber,
 * both through `store` — pass the caller's transaction, so the change, its event and its
 * webhooks commit together or not at all.
 * @param subscribers - every enabled subscriber, read once in the same transaction by a caller
 *   recording many effects (the refresh engine's batch); otherwise they are read here
 * @returns the event id (the same id is the webhook payload's `id`)
 */
export async function record(
  store: StoreContext,
  effect: Effect,
  now: number,
  subscribers?: readonly WebhookSubscriberRow[],
): Promise<string> {
  const event = await appendEvent(store, {
    type: effect.type,
    accountId: effect.account.id,
    metaUserId: effect.anonymous === true ? null : effect.account.meta_user_id,
    detail: effect.data ?? {},
    now,
  })
  const interested =
    subscribers === undefined
      ? await subscribersFor(store, effect.type)
      : subscribers.filter((s) => wantsEvent(s, effect.type))
  if (interested.length > 0) {
    const body = webhookEventBody(event.id, effect.type, effect.account, effect.data ?? {}, now)
    await enqueueWebhookDeliveries(store, {
      eventType: effect.type,
      payload: JSON.stringify(body),
      subscriberIds: interested.map((s) => s.id),
      now,
    })
  }
  return event.id
}
