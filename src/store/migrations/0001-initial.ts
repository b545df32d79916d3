import type { Kysely } from 'kysely'

// Frozen: once released, never edit this file; add 0002-… instead.
// Portable on purpose: text ids made by the app, epoch-ms `bigint` timestamps, no database
// defaults that call functions, nothing autoincremented.

/**
 * Creates every table of the first release.
 * @param db - any Kysely instance (SQLite or PostgreSQL)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('meta_user_id', 'text', (c) => c.notNull())
    .addColumn('ig_user_id', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('status_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('connected_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('accounts_flavor_meta_user_id_unique', ['flavor', 'meta_user_id'])
    .execute()
  await db.schema
    .createIndex('accounts_meta_user_id_index')
    .on('accounts')
    .column('meta_user_id')
    .execute()
  await db.schema
    .createIndex('accounts_status_created_at_index')
    .on('accounts')
    .columns(['status', 'created_at'])
    .execute()

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) =>
      c.notNull().references('accounts.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('refreshed_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('next_refresh_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_message', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('tokens_account_id_kind_unique', ['account_id', 'kind'])
    .execute()
  await db.schema
    .createIndex('tokens_next_refresh_at_index')
    .on('tokens')
    .column('next_refresh_at')
    .execute()
  await db.schema.createIndex('tokens_key_id_index').on('tokens').column('key_id').execute()

  await db.schema
    .createTable('connect_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('outcome', 'text')
    .execute()
  await db.schema
    .createIndex('connect_attempts_expires_at_index')
    .on('connect_attempts')
    .column('expires_at')
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute()

  await db.schema
    .createTable('deletion_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('confirmation_code', 'text', (c) => c.notNull().unique())
    .addColumn('meta_user_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .addColumn('detail', 'text')
    .execute()

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text')
    .addColumn('meta_user_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('events_account_id_created_at_index')
    .on('events')
    .columns(['account_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('events_meta_user_id_index')
    .on('events')
    .column('meta_user_id')
    .execute()

  await db.schema
    .createTable('webhook_subscribers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('secret_key_id', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscriber_id', 'text', (c) =>
      c.notNull().references('webhook_subscribers.id').onDelete('cascade'),
    )
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_next_attempt_at_index')
    .on('webhook_deliveries')
    .column('next_attempt_at')
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_subscriber_id_index')
    .on('webhook_deliveries')
    .column('subscriber_id')
    .execute()
}

/**
 * Drops every table of the first release (children first).
 * @param db - any Kysely instance
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'webhook_deliveries',
    'webhook_subscribers',
    'events',
    'deletion_requests',
    'api_keys',
    'connect_attempts',
    'tokens',
    'accounts',
  ]) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
