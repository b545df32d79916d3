import type { StoreContext } from './database.js'
import { newId, randomToken } from './ids.js'
import { checkInstant } from './paging.js'
import { redactSecrets } from './redact.js'
import { invalidArgument } from './store-error.js'
import type { DeletionRequestRow, DeletionSource } from './tables/deletion-requests.table.js'

/**
 * Records a data-deletion request with a fresh random, URL-safe confirmation code.
 * @param store - the store
 * @param input - the app-scoped user id, where the request came from, and `now`
 * @returns the new row (status `received`)
 */
export async function createDeletionRequest(
  store: StoreContext,
  input: { readonly metaUserId: string; readonly source: DeletionSource; readonly now: number },
): Promise<DeletionRequestRow> {
  if (typeof input.metaUserId !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(input.metaUserId)) {
    throw invalidArgument('"metaUserId" must match [A-Za-z0-9_.:-]{1,128}')
  }
  if (!(['meta', 'manual'] as unknown[]).includes(input.source)) {
    throw invalidArgument('"source" must be "meta" or "manual"')
  }
  return store.db
    .insertInto('deletion_requests')
    .values({
      id: newId('del'),
      confirmation_code: randomToken(16),
      meta_user_id: input.metaUserId,
      status: 'received',
      source: input.source,
      requested_at: checkInstant('now', input.now),
      completed_at: null,
      detail: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/**
 * Finds a deletion request by the code shown to the user.
 * @returns the row, or undefined
 */
export async function getDeletionRequestByCode(
  store: StoreContext,
  confirmationCode: string,
): Promise<DeletionRequestRow | undefined> {
  if (typeof confirmationCode !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(confirmationCode)) {
    return undefined
  }
  return store.db
    .selectFrom('deletion_requests')
    .selectAll()
    .where('confirmation_code', '=', confirmationCode)
    .executeTakeFirst()
}

/**
 * The newest deletion requests first (ties by id), for the dashboard.
 * @param store - the store
 * @param opts - how many at most
 */
export async function listDeletionRequests(
  store: StoreContext,
  opts: { readonly limit: number },
): Promise<DeletionRequestRow[]> {
  return store.db
    .selectFrom('deletion_requests')
    .selectAll()
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit)
    .execute()
}

/**
 * Marks a deletion request finished.
 * @param store - the store
 * @param input - the request id, `completed` or `failed`, a short detail (redacted), and `now`
 * @returns true when the request exists
 */
export async function markDeletionRequest(
  store: StoreContext,
  input: {
    readonly id: string
    readonly status: 'completed' | 'failed'
    readonly detail?: string
    readonly now: number
  },
): Promise<boolean> {
  if (!(['completed', 'failed'] as unknown[]).includes(input.status)) {
    throw invalidArgument('"status" must be "completed" or "failed"')
  }
  const now = checkInstant('now', input.now)
  const result = await store.db
    .updateTable('deletion_requests')
    .set({
      status: input.status,
      completed_at: input.status === 'completed' ? now : null,
      detail: input.detail === undefined ? null : redactSecrets(input.detail),
    })
    .where('id', '=', input.id)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Marks a deletion request completed (shorthand for {@link markDeletionRequest}).
 * @returns true when the request exists
 */
export function markDeletionCompleted(
  store: StoreContext,
  id: string,
  now: number,
  detail?: string,
): Promise<boolean> {
  return markDeletionRequest(store, {
    id,
    status: 'completed',
    now,
    ...(detail === undefined ? {} : { detail }),
  })
}
