import { leaseHostName, listLeaseOwners, parseLeaseOwner, releaseLeasesOf } from '../store/index.js'
import type { StoreContext } from '../store/index.js'

/**
 * Whether a process of this machine is alive: signal 0 checks without signalling. EPERM means it
 * exists under another user; only ESRCH means gone.
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return !(error instanceof Error && 'code' in error && error.code === 'ESRCH')
  }
}

/** Options of {@link releaseDeadOwnersLeases} (tests swap the machine's view). */
export interface DeadLeaseOptions {
  readonly host?: string
  readonly isAlive?: (pid: number) => boolean
}

/**
 * Gives back the leases of this machine's processes that are gone (crashed mid-refresh or
 * mid-delivery), so a restart does not leave on-demand refreshes waiting out a dead holder's
 * lease. Another machine's owners are never touched: their pids mean nothing here. A live pid is
 * kept even if it was reused by an unrelated process: waiting out the lease is the safe mistake.
 * Run by `serve` and `worker` at start.
 * @param store - the store
 * @returns the owners released and how many leases they held
 */
export async function releaseDeadOwnersLeases(
  store: StoreContext,
  options: DeadLeaseOptions = {},
): Promise<{ readonly owners: string[]; readonly tokens: number; readonly deliveries: number }> {
  const host = options.host ?? leaseHostName()
  const isAlive = options.isAlive ?? processAlive
  const dead = (await listLeaseOwners(store)).filter((owner) => {
    const parsed = parseLeaseOwner(owner)
    return parsed !== undefined && parsed.host === host && !isAlive(parsed.pid)
  })
  return { owners: dead, ...(await releaseLeasesOf(store, dead)) }
}
