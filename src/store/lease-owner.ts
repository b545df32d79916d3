import { invalidArgument } from './store-error.js'

/**
 * Checks a lease owner name (`host:pid:random`, see `newLeaseOwner`): the one rule every table
 * with leases (tokens, webhook deliveries) shares.
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for anything else
 */
export function checkLeaseOwner(owner: string): string {
  if (typeof owner !== 'string' || !/^[A-Za-z0-9_.:@-]{1,128}$/.test(owner)) {
    throw invalidArgument('"owner" must match [A-Za-z0-9_.:@-]{1,128}')
  }
  return owner
}
