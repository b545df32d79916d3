import type { AccountsTable } from './tables/accounts.table.js'
import type { ApiKeysTable } from './tables/api-keys.table.js'
import type { ConnectAttemptsTable } from './tables/connect-attempts.table.js'
import type { ConnectLinksTable } from './tables/connect-links.table.js'
import type { DashboardSessionsTable } from './tables/dashboard-sessions.table.js'
import type { DashboardSignInLinksTable } from './tables/dashboard-sign-in-links.table.js'
import type { DeletionRequestsTable } from './tables/deletion-requests.table.js'
import type { EventsTable } from './tables/events.table.js'
import type { FeedsTable } from './tables/feeds.table.js'
import type { SeenSignedRequestsTable } from './tables/seen-signed-requests.table.js'
import type { StoreChangesTable } from './tables/store-changes.table.js'
import type { ThrottleGatesTable } from './tables/throttle-gates.table.js'
import type { TokensTable } from './tables/tokens.table.js'
import type { WebhookDeliveriesTable } from './tables/webhook-deliveries.table.js'
import type { WebhookSubscribersTable } from './tables/webhook-subscribers.table.js'

/** Every table igtoken keeps, as Kysely sees them (each migration's table is listed here). */
export interface Database {
  accounts: AccountsTable
  tokens: TokensTable
  connect_attempts: ConnectAttemptsTable
  connect_links: ConnectLinksTable
  api_keys: ApiKeysTable
  deletion_requests: DeletionRequestsTable
  events: EventsTable
  webhook_subscribers: WebhookSubscribersTable
  webhook_deliveries: WebhookDeliveriesTable
  feeds: FeedsTable
  dashboard_sessions: DashboardSessionsTable
  dashboard_sign_in_links: DashboardSignInLinksTable
  throttle_gates: ThrottleGatesTable
  seen_signed_requests: SeenSignedRequestsTable
  /** SQLite only: changes announced to the other processes' change watchers. */
  store_changes: StoreChangesTable
}
