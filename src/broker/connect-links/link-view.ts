import { splitScopes } from '../../store/index.js'
import type { ConnectLinkRow } from '../../store/index.js'
import { iso } from '../account-view.js'
import type { EventData } from '../effects/index.js'

/** Where a connect link stands. */
export type ConnectLinkState = 'pending' | 'used' | 'expired' | 'cancelled'

/** A connect link as the API, the dashboard and the CLI show it: never its secret. */
export interface ConnectLinkView {
  readonly id: string
  readonly state: ConnectLinkState
  readonly label: string | null
  readonly metadata: EventData
  /** The scopes the link asks for; empty: the service's (`IGTOKEN_SCOPES` or the flavor's). */
  readonly scopes: readonly string[]
  readonly return_to: string | null
  /** ISO 8601 instants. */
  readonly created_at: string
  readonly expires_at: string
  readonly used_at: string | null
  readonly cancelled_at: string | null
  /** The account the link connected, once used. */
  readonly account_id: string | null
}

/**
 * The one definition of a link's state: cancelled and used are final; otherwise it is pending
 * until `expires_at`.
 */
export function connectLinkState(row: ConnectLinkRow, now: number): ConnectLinkState {
  if (row.cancelled_at !== null) return 'cancelled'
  if (row.used_at !== null) return 'used'
  return row.expires_at <= now ? 'expired' : 'pending'
}

/** A stored row as shown ({@link ConnectLinkView}). */
export function connectLinkView(row: ConnectLinkRow, now: number): ConnectLinkView {
  return {
    id: row.id,
    state: connectLinkState(row, now),
    label: row.label,
    metadata: JSON.parse(row.metadata) as EventData,
    scopes: splitScopes(row.scopes),
    return_to: row.return_to,
    created_at: new Date(row.created_at).toISOString(),
    expires_at: new Date(row.expires_at).toISOString(),
    used_at: iso(row.used_at),
    cancelled_at: iso(row.cancelled_at),
    account_id: row.account_id,
  }
}
