import { EVENT_TYPES } from './event-repository.js'
import type { Keyring } from './cipher.js'
import type { StoreContext } from './database.js'
import { newId } from './ids.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import type { WebhookSubscriberRow } from './tables/webhook-subscribers.table.js'
import { sealWebhookSecret } from './webhook-secret.js'

/** A new subscriber. The caller validates the URL's policy (https, hosts); the store its shape. */
export interface CreateWebhookSubscriberInput {
  /** Absolute http(s) URL without credentials or fragment. */
  readonly url: string
  /** The signing secret (16–512 characters); sealed before it reaches the database. */
  readonly secret: string
  /** Event types (`a.b`), or `['*']` for all. */
  readonly events: readonly string[]
  /** Epoch ms. */
  readonly now: number
}

/**
 * Checks a subscriber URL's shape: absolute http(s), no user:password, no fragment, at most 2000
 * characters.
 * @param url - the candidate
 * @returns the URL as given
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) naming what is wrong
 */
export function checkWebhookUrl(url: string): string {
  if (typeof url !== 'string' || url.length === 0 || url.length > 2000) {
    throw invalidArgument('"url" must be a non-empty string of at most 2000 characters')
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalidArgument('"url" must be an absolute URL such as https://example.com/hooks')
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalidArgument('"url" must use https:// (or http://)')
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw invalidArgument('"url" must not carry a user name or password')
  }
  if (parsed.hash !== '') throw invalidArgument('"url" must not have a #fragment')
  return url
}

function checkEvents(events: readonly string[]): string {
  const list: unknown = events
  if (!Array.isArray(list) || events.length === 0 || events.length > 20) {
    throw invalidArgument('"events" must list 1 to 20 event types, or "*"')
  }
  for (const event of events) {
    if (event !== '*' && !(EVENT_TYPES as readonly string[]).includes(event)) {
      throw invalidArgument(
        `"events" has ${JSON.stringify(event.slice(0, 60))}; use "*" or any of ${EVENT_TYPES.join(', ')}`,
      )
    }
  }
  return events.includes('*') ? '*' : [...new Set(events)].join(',')
}

/**
 * Stores a webhook subscriber with its secret sealed under the keyring's first key.
 * @param store - the store
 * @param keyring - seals the secret
 * @param input - see {@link CreateWebhookSubscriberInput}
 * @returns the stored row (the secret stays sealed in it)
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) on a malformed URL, secret or event list; nothing is written
 */
export async function createWebhookSubscriber(
  store: StoreContext,
  keyring: Keyring,
  input: CreateWebhookSubscriberInput,
): Promise<WebhookSubscriberRow> {
  const url = checkWebhookUrl(input.url)
  if (typeof input.secret !== 'string' || input.secret.length < 16 || input.secret.length > 512) {
    throw invalidArgument('"secret" must be a string of 16 to 512 characters')
  }
  const events = checkEvents(input.events)
  const now = checkInstant('now', input.now)
  const id = newId('whk')
  const sealed = sealWebhookSecret(keyring, id, input.secret)
  return store.db
    .insertInto('webhook_subscribers')
    .values({
      id,
      url,
      secret_ciphertext: sealed.ciphertext,
      secret_key_id: sealed.keyId,
      events,
      created_at: now,
      disabled_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/**
 * Lists subscribers, oldest first (at most a few hundred are expected).
 * @param store - the store
 */
export async function listWebhookSubscribers(store: StoreContext): Promise<WebhookSubscriberRow[]> {
  return store.db
    .selectFrom('webhook_subscribers')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(1000)
    .execute()
}

/**
 * Reads one subscriber.
 * @returns the row, or undefined
 */
export async function getWebhookSubscriber(
  store: StoreContext,
  id: string,
): Promise<WebhookSubscriberRow | undefined> {
  return store.db
    .selectFrom('webhook_subscribers')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
}

/**
 * Enabled subscribers that want an event type.
 * @param store - the store
 * @param eventType - e.g. `token.refreshed`, or `*` for every enabled subscriber
 */
export async function subscribersFor(
  store: StoreContext,
  eventType: string,
): Promise<WebhookSubscriberRow[]> {
  const rows = await store.db
    .selectFrom('webhook_subscribers')
    .selectAll()
    .where('disabled_at', 'is', null)
    .limit(1000)
    .execute()
  if (eventType === '*') return rows
  return rows.filter((r) => wantsEvent(r, eventType))
}

/** Whether a subscriber wants an event type (its list, or `*`). */
export function wantsEvent(subscriber: Pick<WebhookSubscriberRow, 'events'>, eventType: string) {
  return subscriber.events === '*' || subscriber.events.split(',').includes(eventType)
}

/**
 * Deletes a subscriber and (by cascade) its pending and past deliveries.
 * @returns true when a subscriber was deleted
 */
export async function removeWebhookSubscriber(store: StoreContext, id: string): Promise<boolean> {
  const result = await store.db
    .deleteFrom('webhook_subscribers')
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}
