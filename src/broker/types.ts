// The store's row types and constants the edges (server, cli) need, so they import the domain and
// never the store itself (docs/architecture.md).
export { ACCOUNT_STATUSES, IGB_STORE_BUSY, StoreError, splitScopes } from '../store/index.js'
export type {
  AccountRow,
  AccountStats,
  AccountStatus,
  CreatedApiKey,
  DashboardSessionRow,
  EventRecord,
  FeedInfo,
  StoreErrorCode,
  TokenRow,
  WebhookDeliveryRow,
  WebhookSubscriberRow,
} from '../store/index.js'
export type { StoreReader } from './read/reader.js'
