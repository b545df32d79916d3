import {
  checkWebhookUrl,
  createWebhookSubscriber,
  listWebhookSubscribers,
} from '../../store/index.js'
import type { Keyring, StoreContext, WebhookSubscriberRow } from '../../store/index.js'
import { ServiceError } from '../service-error.js'
import { DestinationRefusedError, checkSubscriberDestination } from './destination.js'
import type { Resolver, DestinationAllowList } from './destination.js'
import { WEBHOOK_EVENT_TYPES } from './webhook-events.js'

/** What {@link addWebhookSubscriber} needs: the store, the keyring that seals the secret, policy. */
export interface AddWebhookSubscriberDeps {
  readonly store: StoreContext
  readonly keyring: Keyring
  /** The service's public URL: served over https, it only sends to https receivers. */
  readonly publicUrl: string
  /** The operator's internal receivers (`IGTOKEN_WEBHOOK_ALLOW_HOSTS`). */
  readonly allow: DestinationAllowList
  readonly now: () => number
  /** Name resolution (tests inject one; default the system's). */
  readonly resolve?: Resolver
}

/** A subscriber to add. */
export interface AddWebhookSubscriberInput {
  readonly url: string
  readonly secret: string
  /** Event types, or `['*']` (the default). */
  readonly events?: readonly string[]
}

function invalid(message: string): ServiceError {
  return new ServiceError('invalid_request', message)
}

/**
 * The one way a webhook subscriber is added (the API's `POST /api/v1/webhooks` and
 * `igtoken webhooks add`). Every check runs before anything is written: the URL's shape, https
 * when the service is public over https, a destination webhooks may reach (no loopback, private,
 * link-local… address unless allowed), known event types, and no other subscriber at the same
 * URL. The URL is stored normalised (`new URL(url).href`), so control characters are
 * percent-encoded and never reach a terminal or a log raw.
 *
 * @returns the new row (its secret sealed)
 * @throws {ServiceError} `invalid_request` naming the problem; nothing is stored
 */
export async function addWebhookSubscriber(
  deps: AddWebhookSubscriberDeps,
  input: AddWebhookSubscriberInput,
): Promise<WebhookSubscriberRow> {
  let url: string
  try {
    url = new URL(checkWebhookUrl(input.url)).href
  } catch (error) {
    throw invalid(error instanceof TypeError ? error.message : '"url" is not a valid URL')
  }
  if (new URL(deps.publicUrl).protocol === 'https:' && new URL(url).protocol !== 'https:') {
    throw invalid('"url" must use https:// because this service is served over https')
  }
  try {
    await checkSubscriberDestination(url, deps.allow, deps.resolve)
  } catch (error) {
    if (!(error instanceof DestinationRefusedError)) throw error
    throw invalid(
      `"url" is refused: ${error.message}; list the host in IGTOKEN_WEBHOOK_ALLOW_HOSTS to allow an internal receiver`,
    )
  }
  const events = input.events ?? ['*']
  const known: readonly string[] = WEBHOOK_EVENT_TYPES
  const unknown = events.filter((e) => e !== '*' && !known.includes(e))
  if (events.length === 0 || unknown.length > 0) {
    throw invalid(`"events" must be "*" or any of ${WEBHOOK_EVENT_TYPES.join(', ')}`)
  }
  if (typeof input.secret !== 'string' || input.secret.length < 16 || input.secret.length > 512) {
    throw invalid('"secret" must be 16 to 512 characters')
  }
  // A few hundred subscribers at most: a scan is fine, and compares normalised URLs.
  const same = (await listWebhookSubscribers(deps.store)).find((s) => normalised(s.url) === url)
  if (same !== undefined) {
    throw invalid(`a webhook subscriber (${same.id}) already receives at this URL; remove it first`)
  }
  try {
    return await createWebhookSubscriber(deps.store, deps.keyring, {
      url,
      secret: input.secret,
      events,
      now: deps.now(),
    })
  } catch (error) {
    if (error instanceof TypeError) throw invalid(error.message)
    throw error
  }
}

function normalised(url: string): string {
  try {
    return new URL(url).href
  } catch {
    return url
  }
}
