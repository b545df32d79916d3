import type { ColumnType, Selectable } from 'kysely'

/** The `api_keys` table. The key itself is never stored, only its SHA-256. */
export interface ApiKeysTable {
  id: ColumnType<string, string, never>
  name: string
  /** SHA-256 hex of the full key. Unique. */
  key_hash: ColumnType<string, string, never>
  /** The first characters of the key, safe to display (`igt_AbCdEfGh`). */
  key_prefix: ColumnType<string, string, never>
  created_at: ColumnType<number, number, never>
  last_used_at: number | null
  revoked_at: number | null
  /** Comma-separated scopes (`tokens:read,graph:read`); left out on insert, every scope (0009). */
  scopes: ColumnType<string, string | undefined, never>
}

/** An `api_keys` row as read. */
export type ApiKeyRow = Selectable<ApiKeysTable>
