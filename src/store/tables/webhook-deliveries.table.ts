import type { ColumnType, Selectable } from 'kysely'

/** Where a delivery is. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed'

/** The `webhook_deliveries` table (used by issue 5): an outbox claimed with leases like tokens. */
export interface WebhookDeliveriesTable {
  id: ColumnType<string, string, never>
  subscriber_id: ColumnType<string, string, never>
  event_type: ColumnType<string, string, never>
  /** JSON text; never a token. */
  payload: ColumnType<string, string, never>
  status: WebhookDeliveryStatus
  attempts: number
  /** Epoch ms; null once finished. Indexed. */
  next_attempt_at: number | null
  lease_owner: string | null
  lease_until: number | null
  last_status_code: number | null
  last_error: string | null
  created_at: ColumnType<number, number, never>
  delivered_at: number | null
}

/** A `webhook_deliveries` row as read. */
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>
