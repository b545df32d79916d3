import type { ColumnType, Selectable } from 'kysely'

/** Where a deletion request is. */
export type DeletionStatus = 'received' | 'completed' | 'failed'

/** Who asked for a deletion: Meta's signed callback, or an operator recording an e-mailed request. */
export type DeletionSource = 'meta' | 'manual'

/**
 * The `deletion_requests` table: the audit trail Meta's Data Deletion callback asks for. It keeps
 * the app-scoped id (needed to answer the status page) but none of the deleted data.
 */
export interface DeletionRequestsTable {
  id: ColumnType<string, string, never>
  /** Random, URL-safe, unique: returned to Meta and shown on the status page. */
  confirmation_code: ColumnType<string, string, never>
  meta_user_id: ColumnType<string, string, never>
  status: DeletionStatus
  source: ColumnType<DeletionSource, DeletionSource, never>
  requested_at: ColumnType<number, number, never>
  completed_at: number | null
  /** Short human-readable note (counts deleted, failure reason). */
  detail: string | null
}

/** A `deletion_requests` row as read. */
export type DeletionRequestRow = Selectable<DeletionRequestsTable>
