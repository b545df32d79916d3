import type { ColumnType, Selectable } from 'kysely'

/** The `webhook_subscribers` table (used by issue 5): where we POST our own events. */
export interface WebhookSubscribersTable {
  id: ColumnType<string, string, never>
  url: string
  /** The signing secret, sealed with the keyring (AAD from `webhookSecretAad`). */
  secret_ciphertext: string
  secret_key_id: string
  /** Comma-separated event types, or `*` for all. */
  events: string
  created_at: ColumnType<number, number, never>
  disabled_at: number | null
}

/** A `webhook_subscribers` row as read. */
export type WebhookSubscriberRow = Selectable<WebhookSubscribersTable>
