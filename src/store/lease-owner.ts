import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { StoreContext } from './database.js'
import { invalidArgument } from './store-error.js'

const OWNER_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/

/**
 * Checks a lease owner name (`role:host:pid:random`, see {@link newLeaseOwner}): the one rule every
 * table with leases (tokens, webhook deliveries) shares.
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for anything else
 */
export function checkLeaseOwner(owner: string): string {
  if (typeof owner !== 'string' || !OWNER_PATTERN.test(owner)) {
    throw invalidArgument('"owner" must match [A-Za-z0-9_.:@-]{1,128}')
  }
  return owner
}

/** This machine's name as lease owners spell it (the characters an owner may hold, 60 at most). */
export function leaseHostName(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '')
      .slice(0, 60) || 'host'
  )
}

/**
 * A process-unique lease owner name: `role:host:pid:random`. Host and pid let a restarting process
 * tell this machine's dead owners from live ones ({@link parseLeaseOwner}).
 * @param role - a short prefix such as `serve` or `worker`
 */
export function newLeaseOwner(role: string): string {
  return checkLeaseOwner(
    `${role}:${leaseHostName()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  )
}

/**
 * The host and pid in an owner made by {@link newLeaseOwner}.
 * @returns undefined for any other spelling (such an owner is never taken for dead)
 */
export function parseLeaseOwner(
  owner: string,
): { readonly role: string; readonly host: string; readonly pid: number } | undefined {
  const match = /^([^:]+):([A-Za-z0-9_.-]+):([1-9][0-9]{0,9}):[0-9a-f]+$/.exec(owner)
  if (match === null) return undefined
  const [, role = '', host = '', pid = ''] = match
  return { role, host, pid: Number(pid) }
}

/** Every owner holding a lease on a token or a webhook delivery, lapsed or not. */
export async function listLeaseOwners(store: StoreContext): Promise<string[]> {
  const tokens = await store.db
    .selectFrom('tokens')
    .select('lease_owner')
    .distinct()
    .where('lease_owner', 'is not', null)
    .execute()
  const deliveries = await store.db
    .selectFrom('webhook_deliveries')
    .select('lease_owner')
    .distinct()
    .where('lease_owner', 'is not', null)
    .execute()
  return [...new Set([...tokens, ...deliveries].map((r) => r.lease_owner ?? ''))].filter(Boolean)
}

/**
 * Gives back every lease these owners hold, on tokens and webhook deliveries, recording nothing
 * (the owners are known to be gone).
 * @returns how many leases were released per table
 */
export async function releaseLeasesOf(
  store: StoreContext,
  owners: readonly string[],
): Promise<{ readonly tokens: number; readonly deliveries: number }> {
  if (owners.length === 0) return { tokens: 0, deliveries: 0 }
  const checked = owners.map(checkLeaseOwner)
  const tokens = await store.db
    .updateTable('tokens')
    .set({ lease_owner: null, lease_until: null })
    .where('lease_owner', 'in', checked)
    .executeTakeFirst()
  const deliveries = await store.db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: null, lease_until: null })
    .where('lease_owner', 'in', checked)
    .executeTakeFirst()
  return { tokens: Number(tokens.numUpdatedRows), deliveries: Number(deliveries.numUpdatedRows) }
}
