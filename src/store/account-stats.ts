import { sql } from 'kysely'
import type { StoreContext } from './database.js'
import { ACCOUNT_STATUSES } from './tables/accounts.table.js'

/** Counts over every account and token, as the `/metrics` gauges show them. */
export interface AccountStats {
  /** Accounts by status (statuses without accounts are absent). */
  readonly accountsByStatus: Readonly<Record<string, number>>
  /** Tokens expiring within each number of days (cumulative), by day count. */
  readonly tokensExpiringWithinDays: Readonly<Record<number, number>>
  /** Tokens without an expiry. */
  readonly tokensNeverExpiring: number
  /** Soonest expiry (epoch ms) among long-lived tokens of active accounts; null for none. */
  readonly soonestActiveExpiry: number | null
}

/** Options of {@link computeAccountStats}. */
export interface ComputeAccountStatsOptions {
  /** The "expiring within N days" buckets. */
  readonly expiryDays: readonly number[]
  /** Rows per statement (default 2,000): how long one statement may hold SQLite's thread. */
  readonly chunkRows?: number
  /** Awaited between statements; the default yields to the event loop (`setImmediate`). */
  readonly pause?: () => Promise<void>
}

const DAY_MS = 86_400_000

/**
 * Counts accounts by status and tokens by days to expiry in slices of an index, yielding to the
 * event loop between statements: on SQLite a statement runs on the event loop's thread, and one
 * aggregate over a million rows held it for seconds. Every statement reads one index only
 * (accounts: status, created_at; tokens: expires_at) and about `chunkRows` entries of it, so other
 * requests wait at most one slice. The result adds up consistent slices, not one snapshot.
 * @param store - the store
 * @param now - epoch ms the expiry buckets are measured from
 * @param opts - see {@link ComputeAccountStatsOptions}
 */
export async function computeAccountStats(
  store: StoreContext,
  now: number,
  opts: ComputeAccountStatsOptions,
): Promise<AccountStats> {
  const chunk = opts.chunkRows ?? 2_000
  const pause = opts.pause ?? yieldToEventLoop
  const db = store.db

  const accountsByStatus: Record<string, number> = {}
  for (const status of ACCOUNT_STATUSES) {
    const rows = db.selectFrom('accounts').where('status', '=', status)
    let n = 0
    await walkSlices(
      chunk,
      pause,
      async (start) => {
        const from = start === undefined ? rows : rows.where('created_at', '>=', start)
        const row = await from
          .select('created_at')
          .orderBy('created_at')
          .limit(1)
          .offset(chunk)
          .executeTakeFirst()
        return row?.created_at
      },
      async (start, end) => {
        let slice = start === undefined ? rows : rows.where('created_at', '>=', start)
        if (end !== undefined) slice = slice.where('created_at', '<', end)
        const row = await slice.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
        n += row?.n ?? 0
      },
    )
    if (n > 0) accountsByStatus[status] = n
  }

  const days = [...opts.expiryDays]
  const expiring: Record<number, number> = Object.fromEntries(days.map((d) => [d, 0]))
  const expiringTokens = db.selectFrom('tokens').where('expires_at', 'is not', null)
  await walkSlices(
    chunk,
    pause,
    async (start) => {
      const from =
        start === undefined ? expiringTokens : expiringTokens.where('expires_at', '>=', start)
      const row = await from
        .select('expires_at')
        .orderBy('expires_at')
        .limit(1)
        .offset(chunk)
        .executeTakeFirst()
      return row?.expires_at ?? undefined
    },
    async (start, end) => {
      let slice =
        start === undefined ? expiringTokens : expiringTokens.where('expires_at', '>=', start)
      if (end !== undefined) slice = slice.where('expires_at', '<', end)
      const row = await slice
        .select((eb) =>
          days.map((d) =>
            eb.fn
              .sum<number>(
                sql<number>`case when ${eb.ref('expires_at')} <= ${now + d * DAY_MS} then 1 else 0 end`,
              )
              .as(`d${d}`),
          ),
        )
        .executeTakeFirst()
      const sums = (row ?? {}) as Record<string, unknown>
      for (const d of days) expiring[d] = (expiring[d] ?? 0) + Number(sums[`d${d}`] ?? 0)
    },
  )

  const never = await db
    .selectFrom('tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('expires_at', 'is', null)
    .executeTakeFirst()
  const soonest = await soonestActiveExpiry(store, pause)
  return {
    accountsByStatus,
    tokensExpiringWithinDays: expiring,
    tokensNeverExpiring: never?.n ?? 0,
    soonestActiveExpiry: soonest,
  }
}

/**
 * The earliest expiry among long-lived tokens of active accounts: tokens in expiry order, 200 at a
 * time, until one belongs to an active account. (As one join, SQLite walked every active account
 * and sorted their tokens: 0.7 s at 100,000 accounts, on the event loop's thread.)
 */
async function soonestActiveExpiry(
  store: StoreContext,
  pause: () => Promise<void>,
): Promise<number | null> {
  const step = 200
  let after: { expiresAt: number; id: string } | undefined
  for (;;) {
    const from = after
    const tokens = await store.db
      .selectFrom('tokens')
      .select(['id', 'account_id', 'expires_at'])
      .where('expires_at', 'is not', null)
      .where('kind', '!=', 'short_lived')
      .$call((q) =>
        from === undefined
          ? q
          : q.where((eb) =>
              eb(eb.refTuple('expires_at', 'id'), '>', eb.tuple(from.expiresAt, from.id)),
            ),
      )
      .orderBy('expires_at')
      .orderBy('id')
      .limit(step)
      .execute()
    if (tokens.length === 0) return null
    const active = new Set(
      (
        await store.db
          .selectFrom('accounts')
          .select('id')
          .where(
            'id',
            'in',
            tokens.map((t) => t.account_id),
          )
          .where('status', '=', 'active')
          .execute()
      ).map((a) => a.id),
    )
    const found = tokens.find((t) => active.has(t.account_id))
    if (found !== undefined) return found.expires_at
    const last = tokens.at(-1)
    if (last?.expires_at == null || tokens.length < step) return null
    after = { expiresAt: last.expires_at, id: last.id }
    await pause()
  }
}

/**
 * Splits a numeric index into ranges [start, end) of about `chunk` rows and visits each, pausing
 * between them. `boundAt(start)` answers the value `chunk` rows past `start` (undefined: the rest
 * fits). Many rows sharing one value make a larger slice, never an endless loop.
 */
async function walkSlices(
  chunk: number,
  pause: () => Promise<void>,
  boundAt: (start: number | undefined) => Promise<number | undefined>,
  visit: (start: number | undefined, end: number | undefined) => Promise<void>,
): Promise<void> {
  let start: number | undefined
  for (;;) {
    let end = await boundAt(start)
    if (end !== undefined && end === start) end += 1
    await visit(start, end)
    if (end === undefined || chunk < 1) return
    start = end
    await pause()
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
