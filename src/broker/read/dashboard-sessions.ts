// Dashboard sessions: found on every page, created at sign-in, deleted at sign-out.
import * as store from '../../store/index.js'
import type { After, StoreReader } from './reader.js'

/** The live session for a cookie value (compared by hash), or undefined. */
export function findDashboardSession(
  ctx: StoreReader,
  ...args: After<typeof store.findDashboardSession>
) {
  return store.findDashboardSession(ctx.store, ...args)
}

/** A new session; its secret is returned once and only its hash is kept. */
export function createDashboardSession(
  ctx: StoreReader,
  ...args: After<typeof store.createDashboardSession>
) {
  return store.createDashboardSession(ctx.store, ...args)
}

/** Ends the session a cookie value names (no-op when unknown). */
export function deleteDashboardSession(
  ctx: StoreReader,
  ...args: After<typeof store.deleteDashboardSession>
) {
  return store.deleteDashboardSession(ctx.store, ...args)
}
