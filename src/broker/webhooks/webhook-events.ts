import { EVENT_TYPES } from '../effects/vocabulary.js'
import type { EventType } from '../effects/vocabulary.js'
import type { AccountRow } from '../../store/index.js'

/** Every event igtoken sends to webhook subscribers: the one vocabulary of {@link EVENT_TYPES}. */
export const WEBHOOK_EVENT_TYPES = EVENT_TYPES

/** One of {@link WEBHOOK_EVENT_TYPES}. */
export type WebhookEventType = EventType

/** Event facts: flat, never a token. */
export type WebhookEventData = Readonly<Record<string, string | number | boolean | null>>

/**
 * The JSON body of a delivery. It names the account and what happened — never a token: a
 * receiver that needs the token asks the token API for it.
 */
export interface WebhookEventBody {
  /** Unique per event (the same id in every subscriber's delivery and every retry). */
  readonly id: string
  readonly type: WebhookEventType
  /** ISO 8601. */
  readonly created_at: string
  readonly account: {
    readonly id: string
    /** The Instagram user id apps call the Graph API with. */
    readonly user_id: string
    readonly username: string
    readonly status: string
  }
  readonly data: WebhookEventData
}

/**
 * Builds an event body for an account.
 * @param id - a fresh event id
 * @param type - the event type
 * @param account - the account row (status as it is after the change)
 * @param data - extra facts (expiry, reason…)
 * @param now - epoch ms
 */
export function webhookEventBody(
  id: string,
  type: WebhookEventType,
  account: Pick<AccountRow, 'id' | 'ig_user_id' | 'meta_user_id' | 'username' | 'status'>,
  data: WebhookEventData,
  now: number,
): WebhookEventBody {
  return {
    id,
    type,
    created_at: new Date(now).toISOString(),
    account: {
      id: account.id,
      user_id: account.ig_user_id ?? account.meta_user_id,
      username: account.username,
      status: account.status,
    },
    data,
  }
}
