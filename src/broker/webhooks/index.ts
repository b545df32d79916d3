// Outbound webhooks: igtoken's own events, signed, queued and delivered with retries.
export * from './webhook-events.js'
export * from './webhook-signature.js'
export * from './delivery-worker.js'
export * from './add-subscriber.js'
