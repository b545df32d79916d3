// Webhook subscribers and their deliveries for the edges (adding one, with its destination
// checks, is the use case webhooks/add-subscriber.ts).
import * as store from '../../store/index.js'
import type { After, StoreReader } from './reader.js'

/** Every subscriber. */
export function listWebhookSubscribers(ctx: StoreReader) {
  return store.listWebhookSubscribers(ctx.store)
}

/** One subscriber by id, or undefined. */
export function getWebhookSubscriber(
  ctx: StoreReader,
  ...args: After<typeof store.getWebhookSubscriber>
) {
  return store.getWebhookSubscriber(ctx.store, ...args)
}

/** A subscriber's newest deliveries. */
export function listWebhookDeliveries(
  ctx: StoreReader,
  ...args: After<typeof store.listWebhookDeliveries>
) {
  return store.listWebhookDeliveries(ctx.store, ...args)
}

/** Removes a subscriber and its deliveries; false when there was none. */
export function removeWebhookSubscriber(
  ctx: StoreReader,
  ...args: After<typeof store.removeWebhookSubscriber>
) {
  return store.removeWebhookSubscriber(ctx.store, ...args)
}
