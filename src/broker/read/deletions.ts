// Data-deletion requests for the status page Meta links people to.
import * as store from '../../store/index.js'
import type { After, StoreReader } from './reader.js'

/** A deletion request by its confirmation code, or undefined. */
export function getDeletionRequestByCode(
  ctx: StoreReader,
  ...args: After<typeof store.getDeletionRequestByCode>
) {
  return store.getDeletionRequestByCode(ctx.store, ...args)
}

/** The newest deletion requests first, for the dashboard. */
export function listDeletionRequests(
  ctx: StoreReader,
  ...args: After<typeof store.listDeletionRequests>
) {
  return store.listDeletionRequests(ctx.store, ...args)
}
