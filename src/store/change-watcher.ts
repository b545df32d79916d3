import { sql } from 'kysely'

import {
  STORE_CHANGES_CHANNEL,
  changesAfter,
  latestChangeSeq,
  parseChangeNotice,
} from './change-log.js'
import type { StoreChangeNotice } from './change-log.js'
import type { Store } from './database.js'
import type { StoreListener } from './database.js'
import { invalidArgument } from './store-error.js'

/** What {@link watchStoreChanges} tells. */
export interface StoreChangeHandlers {
  /** Changes other connections committed, in commit order (own ones included: filter by origin). */
  onChanges(changes: readonly StoreChangeNotice[]): void
  /** Some changes may have been missed (connection lost, log pruned): forget everything. */
  onGap(): void
  /** A failed poll or reconnect (logging); the watcher keeps trying. */
  onError?(error: unknown): void
}

/** Options of {@link watchStoreChanges}. */
export interface StoreChangeWatchOptions {
  /** SQLite: how often `PRAGMA data_version` is read, ms (default 250). */
  readonly pollMs?: number
  /** PostgreSQL: how often the LISTEN connection is checked, and a lost one retried, ms (default 5000). */
  readonly checkMs?: number
}

/** A running watcher. */
export interface StoreChangeWatcher {
  /** Stops watching (timers and the LISTEN connection). Idempotent. */
  stop(): Promise<void>
}

const BATCH = 1_000

/**
 * Watches for changes other processes commit (see `announceChanges`). SQLite: reads the
 * connection's `PRAGMA data_version` every `pollMs`, which moves only when another connection
 * commits, and then reads the new `store_changes` rows. PostgreSQL: LISTENs on a connection of its
 * own, checked every `checkMs`; after it was lost and is back, `onGap` says what was missed.
 * Timers are unref'd: a watcher never keeps the process alive.
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad interval
 */
export async function watchStoreChanges(
  store: Store,
  handlers: StoreChangeHandlers,
  options: StoreChangeWatchOptions = {},
): Promise<StoreChangeWatcher> {
  const pollMs = options.pollMs ?? 250
  const checkMs = options.checkMs ?? 5_000
  for (const [name, value] of [
    ['pollMs', pollMs],
    ['checkMs', checkMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 10 || value > 3_600_000) {
      throw invalidArgument(`"${name}" must be a whole number of ms from 10 to 3600000`)
    }
  }
  return store.dialect.name === 'postgres'
    ? watchPostgres(store, handlers, checkMs)
    : watchSqlite(store, handlers, pollMs)
}

async function watchSqlite(
  store: Store,
  handlers: StoreChangeHandlers,
  pollMs: number,
): Promise<StoreChangeWatcher> {
  const dataVersion = async () => {
    const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(store.db)
    return Number(rows[0]?.data_version)
  }
  let version = await dataVersion()
  let last = await latestChangeSeq(store)
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  const poll = async () => {
    const now = await dataVersion()
    if (now === version) return
    version = now
    for (;;) {
      const rows = await changesAfter(store, last, BATCH)
      const first = rows[0]
      if (first === undefined) return
      // Numbers have no holes: a hole means rows were pruned before this watcher read them.
      if (first.seq !== last + 1) handlers.onGap()
      last = rows[rows.length - 1]?.seq ?? last
      handlers.onChanges(rows.map((r) => ({ kind: r.kind, ref: r.ref, origin: r.origin })))
      if (rows.length < BATCH) return
    }
  }
  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => {
      running = poll()
        .catch((error: unknown) => handlers.onError?.(error))
        .finally(schedule)
    }, pollMs)
    timer.unref()
  }
  schedule()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}

async function watchPostgres(
  store: Store,
  handlers: StoreChangeHandlers,
  checkMs: number,
): Promise<StoreChangeWatcher> {
  const listen = store.listen
  if (listen === undefined) throw invalidArgument('this PostgreSQL store cannot LISTEN')
  let listener: StoreListener | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  const connect = async (): Promise<StoreListener> =>
    listen(STORE_CHANGES_CHANNEL, {
      onNotify(payload) {
        const changes = parseChangeNotice(payload)
        if (changes === undefined) handlers.onGap()
        else handlers.onChanges(changes)
      },
      onLost(error) {
        handlers.onError?.(error)
        // Checked (and reconnected) at once rather than at the next tick.
        if (!stopped) wake(0)
      },
    })

  const check = async () => {
    if (listener !== undefined) {
      try {
        await listener.ping()
        return
      } catch (error) {
        handlers.onError?.(error)
        await listener.close()
        listener = undefined
      }
    }
    listener = await connect()
    if (stopped) {
      await listener.close()
      return
    }
    // Whatever was committed while no connection listened is unknown.
    handlers.onGap()
  }
  const wake = (delay: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      running = running
        .then(check)
        .catch((error: unknown) => handlers.onError?.(error))
        .finally(() => {
          if (!stopped) wake(checkMs)
        })
    }, delay)
    timer.unref()
  }
  try {
    listener = await connect()
  } catch (error) {
    // A database that cannot LISTEN right now must not stop the service from starting: the
    // check retries, and the caches' own lifetimes bound what is missed meanwhile.
    handlers.onError?.(error)
  }
  wake(checkMs)
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running.catch(() => undefined)
      await listener?.close()
    },
  }
}
