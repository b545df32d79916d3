/** The one event vocabulary, owned by the event log; see {@link EVENT_TYPES}. */
import { EVENT_TYPES } from '../../store/index.js'
import type { AccountRow, EventType } from '../../store/index.js'

export { EVENT_TYPES }
export type { EventType }

/**
 * Event facts: flat, never a token. Instants are ISO 8601 strings (`expires_at`), the same in the
 * event log and in webhook payloads.
 */
export type EventData = Readonly<Record<string, string | number | boolean | null>>

/** The account an event is about, as it is after the change. */
export type EventAccount = Pick<
  AccountRow,
  'id' | 'ig_user_id' | 'meta_user_id' | 'username' | 'status'
>

/** A change of the domain worth telling: recorded as an event and delivered as a webhook. */
export interface Effect {
  readonly type: EventType
  readonly account: EventAccount
  readonly data?: EventData
  /**
   * Leave the person's app-scoped id out of the event row: a data deletion records what was
   * deleted, never whom. Webhooks still name the account, so subscribers can delete their copies.
   */
  readonly anonymous?: boolean
}

/** Whether a string is one of {@link EVENT_TYPES}. */
export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value)
}

/** Epoch ms → the ISO form events carry; `null` stays `null`. */
export function eventInstant(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
