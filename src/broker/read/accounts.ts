// Reads of accounts, their tokens and events for the edges (routes, pages, commands), so that
// server and cli reach the store only through the domain.
import * as store from '../../store/index.js'
import type { After, StoreReader } from './reader.js'

/** One account by id, or undefined. */
export function getAccount(ctx: StoreReader, ...args: After<typeof store.getAccount>) {
  return store.getAccount(ctx.store, ...args)
}

/** The account's token of one kind (sealed), or undefined. */
export function getToken(ctx: StoreReader, ...args: After<typeof store.getToken>) {
  return store.getToken(ctx.store, ...args)
}

/** A page of accounts, oldest first, optionally of one status. */
export function listAccounts(ctx: StoreReader, ...args: After<typeof store.listAccounts>) {
  return store.listAccounts(ctx.store, ...args)
}

/** A page of accounts each with its token of one kind, in one query. */
export function listAccountsWithTokens(
  ctx: StoreReader,
  ...args: After<typeof store.listAccountsWithTokens>
) {
  return store.listAccountsWithTokens(ctx.store, ...args)
}

/** The newest events of one account. */
export function listEventsByAccount(
  ctx: StoreReader,
  ...args: After<typeof store.listEventsByAccount>
) {
  return store.listEventsByAccount(ctx.store, ...args)
}

/** Counts by status and expiry bucket, for the metrics endpoint. */
export function computeAccountStats(
  ctx: StoreReader,
  ...args: After<typeof store.computeAccountStats>
) {
  return store.computeAccountStats(ctx.store, ...args)
}

/** Which migrations ran and which are pending, for the readiness check. */
export function migrationStatus(ctx: StoreReader) {
  return store.migrationStatus(ctx.store)
}
