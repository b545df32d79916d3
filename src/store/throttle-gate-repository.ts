import { sql } from 'kysely'

import type { StoreContext } from './database.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'

export type { ThrottleGatesTable } from './tables/throttle-gates.table.js'

function gates(store: StoreContext) {
  return store.db
}

/**
 * Closes a gate until `openAt`, never shortening a longer closure already stored (one upsert,
 * the later instant wins: safe when several instances are told at once).
 * @param store - the store
 * @param key - the gate
 * @param openAt - epoch ms
 */
export async function closeThrottleGate(
  store: StoreContext,
  key: string,
  openAt: number,
): Promise<void> {
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(key)) {
    throw invalidArgument('"key" must match [A-Za-z0-9_.:-]{1,200}')
  }
  checkInstant('openAt', openAt)
  await gates(store)
    .insertInto('throttle_gates')
    .values({ key, open_at: openAt })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        // Portable "greatest": CASE runs on SQLite and PostgreSQL alike.
        open_at: sql<number>`case when excluded.open_at > throttle_gates.open_at then excluded.open_at else throttle_gates.open_at end`,
      }),
    )
    .execute()
}

/**
 * Every gate still closed at `now` (and drops the ones that opened long ago).
 * @param store - the store
 * @param now - epoch ms
 * @returns key → epoch ms when it opens
 */
export async function closedThrottleGates(
  store: StoreContext,
  now: number,
): Promise<Map<string, number>> {
  checkInstant('now', now)
  const rows = await gates(store)
    .selectFrom('throttle_gates')
    .select(['key', 'open_at'])
    .where('open_at', '>', now)
    .execute()
  // Old rows are harmless but need not pile up: an hour after opening they go.
  await gates(store)
    .deleteFrom('throttle_gates')
    .where('open_at', '<', now - 3_600_000)
    .execute()
  return new Map(rows.map((r) => [r.key, r.open_at]))
}
