import type { Keyring, Opened, Sealed } from './cipher.js'
import type { WebhookSubscriberRow } from './tables/webhook-subscribers.table.js'

/**
 * The AAD binding a webhook subscriber's sealed secret to its row.
 * @param subscriberId - the `webhook_subscribers.id`
 */
export function webhookSecretAad(subscriberId: string): string {
  return `webhook_subscribers:${subscriberId}:secret`
}

/**
 * Seals a subscriber's signing secret for storage in `secret_ciphertext`/`secret_key_id`.
 * @param keyring - the keyring
 * @param subscriberId - the row id the secret will live in
 * @param secret - the plaintext signing secret
 */
export function sealWebhookSecret(keyring: Keyring, subscriberId: string, secret: string): Sealed {
  return keyring.seal(secret, webhookSecretAad(subscriberId))
}

/**
 * Opens a subscriber's signing secret.
 * @throws StoreError `IGB_KEY_MISSING` / `IGB_DECRYPT_FAILED`
 */
export function openWebhookSecret(
  keyring: Keyring,
  row: Pick<WebhookSubscriberRow, 'id' | 'secret_ciphertext' | 'secret_key_id'>,
): Opened {
  return keyring.open(
    { keyId: row.secret_key_id, ciphertext: row.secret_ciphertext },
    webhookSecretAad(row.id),
  )
}
