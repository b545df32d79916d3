import { sql } from 'kysely'

import type { StoreContext } from './database.js'
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import { STORE_CHANGE_KINDS } from './tables/store-changes.table.js'
import type { StoreChangeKind, StoreChangeRow } from './tables/store-changes.table.js'

/** The PostgreSQL channel committed changes are announced on. */
export const STORE_CHANGES_CHANNEL = 'igtoken_changes'

/** How long SQLite keeps a change for the watchers of other processes. */
export const STORE_CHANGE_RETENTION_MS = 5 * 60_000

// NOTIFY payloads must stay under 8000 bytes; a longer list is announced as `all`.
const MAX_NOTIFY_BYTES = 7_000
const ORIGIN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** One change as written and as read back by another process. */
export interface StoreChange {
  readonly kind: StoreChangeKind
  /** The account, key or feed id; null for `all`. */
  readonly ref: string | null
}

/** A change another process committed (the origin tells whose). */
export interface StoreChangeNotice extends StoreChange {
  readonly origin: string
}

function changesTable(store: StoreContext) {
  return store.db
}

/**
 * Announces committed changes to the other processes: SQLite appends them to `store_changes`
 * (and prunes what every watcher has had minutes to read), PostgreSQL sends one NOTIFY. Call it
 * inside the transaction that makes the changes, so they are announced if and only if it commits.
 * @param store - the transaction
 * @param input - the writing process (`origin`), the changes and `now`
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad origin, kind or ref
 */
export async function announceChanges(
  store: StoreContext,
  input: {
    readonly origin: string
    readonly changes: readonly StoreChange[]
    readonly now: number
  },
): Promise<void> {
  const now = checkInstant('now', input.now)
  if (typeof input.origin !== 'string' || !ORIGIN_PATTERN.test(input.origin)) {
    throw invalidArgument('"origin" must match [A-Za-z0-9_-]{1,64}')
  }
  const changes: unknown = input.changes
  if (!Array.isArray(changes)) throw invalidArgument('"changes" must be an array')
  for (const change of changes as unknown[]) checkChange(change)
  if (input.changes.length === 0) return
  if (store.dialect.name === 'postgres') {
    let payload = JSON.stringify(noticePayload(input.origin, input.changes))
    if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) {
      payload = JSON.stringify(noticePayload(input.origin, [{ kind: 'all', ref: null }]))
    }
    await sql`select pg_notify(${STORE_CHANGES_CHANNEL}, ${payload})`.execute(store.db)
    return
  }
  // One statement for the whole list (a refresh flush announces up to 100 accounts), numbered
  // after the newest under SQLite's write lock. The list travels as one JSON parameter so that
  // every length is the same SQL text (one prepared statement, not one per length).
  const list = JSON.stringify(input.changes.map((c) => [c.kind, c.ref]))
  await sql`insert into store_changes (seq, kind, ref, origin, created_at)
    select (select coalesce(max(seq), 0) from store_changes) + 1 + cast(j.key as integer),
      j.value ->> 0, j.value ->> 1, ${input.origin}, ${now}
    from json_each(${list}) as j
    order by j.key`.execute(store.db)
  // The newest row always stays, so numbering never starts again at 1.
  await changesTable(store)
    .deleteFrom('store_changes')
    .where('created_at', '<', now - STORE_CHANGE_RETENTION_MS)
    .where('seq', '<', (eb) => eb.selectFrom('store_changes').select(eb.fn.max('seq').as('m')))
    .execute()
}

/** The number of the newest change in `store_changes` (SQLite), 0 when there is none. */
export async function latestChangeSeq(store: StoreContext): Promise<number> {
  const row = await changesTable(store)
    .selectFrom('store_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst()
  return row?.seq ?? 0
}

/**
 * Changes numbered after `seq`, oldest first (SQLite).
 * @param limit - at most this many (1–10 000)
 */
export async function changesAfter(
  store: StoreContext,
  seq: number,
  limit: number,
): Promise<StoreChangeRow[]> {
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalidArgument('"seq" must be 0 or more')
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw invalidArgument('"limit" must be an integer from 1 to 10000')
  }
  return changesTable(store)
    .selectFrom('store_changes')
    .selectAll()
    .where('seq', '>', seq)
    .orderBy('seq')
    .limit(limit)
    .execute()
}

/**
 * Reads a NOTIFY payload sent by {@link announceChanges}.
 * @returns the changes, or undefined when the payload is not one of ours
 */
export function parseChangeNotice(payload: string): StoreChangeNotice[] | undefined {
  try {
    const parsed = JSON.parse(payload) as { o?: unknown; c?: unknown }
    if (typeof parsed.o !== 'string' || !Array.isArray(parsed.c)) return undefined
    const origin = parsed.o
    const out: StoreChangeNotice[] = []
    for (const item of parsed.c as unknown[]) {
      if (!Array.isArray(item)) return undefined
      const [kind, ref] = item as unknown[]
      const change: unknown = { kind, ref }
      if (!isChange(change)) return undefined
      out.push({ ...change, origin })
    }
    return out
  } catch {
    return undefined
  }
}

function noticePayload(origin: string, changes: readonly StoreChange[]) {
  return { o: origin, c: changes.map((c) => [c.kind, c.ref]) }
}

function isChange(value: unknown): value is StoreChange {
  if (typeof value !== 'object' || value === null) return false
  const { kind, ref } = value as { kind?: unknown; ref?: unknown }
  if (!STORE_CHANGE_KINDS.includes(kind as StoreChangeKind)) return false
  if (kind === 'all') return ref === null
  return typeof ref === 'string' && ref.length > 0 && ref.length <= 200
}

function checkChange(change: unknown): void {
  if (!isChange(change)) {
    throw invalidArgument(
      `a change must be {kind: ${STORE_CHANGE_KINDS.join('|')}, ref: id (null for all)}`,
    )
  }
}
