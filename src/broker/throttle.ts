import { MetaApiError } from '../meta/index.js'
import type { UsageReading } from '../meta/index.js'
import { closeThrottleGate, closedThrottleGates } from '../store/index.js'
import type { StoreContext } from '../store/index.js'
import { ServiceError } from './service-error.js'

/** The key of the app-wide gate (the whole app hit a limit). */
export const GLOBAL_THROTTLE_KEY = 'app'

// Meta's throttling codes (§6.3): 4 and 613 count against the whole app; 17, 32, 80001 and 80002
// against one user, Page or Instagram account.
const APP_THROTTLE_CODES = new Set([4, 613])
const OBJECT_THROTTLE_CODES = new Set([17, 32, 80001, 80002, 80006])
const DEFAULT_THROTTLE_PAUSE_MS = 5 * 60_000

/**
 * The throttle key of one account: Meta's business-use-case counters are kept per business object,
 * which for Instagram accounts is the Instagram user id.
 * @param account - the account's ids
 */
export function accountThrottleKey(account: {
  readonly ig_user_id: string | null
  readonly meta_user_id: string
}): string {
  return `buc:${account.ig_user_id ?? account.meta_user_id}`
}

/**
 * Refuses a call to Meta for this account while a gate holds (Meta's usage headers said a budget is
 * nearly spent, or Meta throttled us): `rate_limited` with when to come back. The one refusal of the
 * token service's on-demand refresh and the Graph proxy.
 * @throws {ServiceError} `rate_limited` (`retryAfterSeconds` ≥ 1, reason `meta_budget`)
 */
export function refuseWhileThrottled(
  throttle: Throttle,
  account: Parameters<typeof accountThrottleKey>[0],
  now: number,
): void {
  const until = throttle.blockedUntil(accountThrottleKey(account))
  if (until <= now) return
  throw new ServiceError(
    'rate_limited',
    'Meta’s call budget for this app or account is nearly used up; igtoken holds calls until it recovers',
    { retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)), reason: 'meta_budget' },
  )
}

/**
 * Remembers when Meta told us to slow down, app-wide or per business object, and answers "may I
 * call now?". Fed by Meta's usage headers (`X-App-Usage`, `X-Business-Use-Case-Usage`) on every
 * answer and by throttling errors (codes 4, 17, 32, 613, 80001, 80002). It never sleeps: the
 * engine defers work to {@link blockedUntil}, which keeps it on the engine's (testable) clock.
 */
export class Throttle {
  readonly #now: () => number
  readonly #until = new Map<string, number>()
  readonly #shared: StoreContext | undefined
  readonly #writes = new Set<Promise<void>>()
  readonly #pausePercent: number

  /**
   * @param now - the clock, epoch ms
   * @param shared - the store, so that every instance honours a slow-down any of them was told
   *   (gates are written through at once and read back by {@link Throttle.sync})
   * @param options - `pausePercent`: the share of a Meta budget at which calls stop until Meta's
   *   suggested wait passes (`IGTOKEN_META_USAGE_PAUSE_PERCENT`, default 90)
   */
  constructor(
    now: () => number,
    shared?: StoreContext,
    options: { readonly pausePercent?: number } = {},
  ) {
    this.#now = now
    this.#shared = shared
    this.#pausePercent = options.pausePercent ?? 90
  }

  /**
   * Merges the gates other instances closed (the engine calls this before each round). A failed
   * read keeps what this process knows.
   */
  async sync(): Promise<void> {
    if (this.#shared === undefined) return
    const closed = await closedThrottleGates(this.#shared, this.#now())
    for (const [key, at] of closed) {
      if ((this.#until.get(key) ?? 0) < at) this.#until.set(key, at)
    }
  }

  /** Waits for gate writes still on their way to the database. */
  async flush(): Promise<void> {
    await Promise.all([...this.#writes])
  }

  /**
   * The instant the gates for these keys (and the app-wide gate) open, or 0 when they are open.
   * @param keys - per-object keys, e.g. from {@link accountThrottleKey}
   */
  blockedUntil(...keys: string[]): number {
    const now = this.#now()
    let until = 0
    for (const key of [GLOBAL_THROTTLE_KEY, ...keys]) {
      const at = this.#until.get(key)
      if (at === undefined) continue
      if (at <= now) this.#until.delete(key)
      else until = Math.max(until, at)
    }
    return until
  }

  /**
   * Closes a gate until `now + ms` (never shortens a longer pause).
   * @param key - the gate
   * @param ms - how long
   */
  pause(key: string, ms: number): void {
    if (!(ms > 0)) return
    const until = this.#now() + ms
    if ((this.#until.get(key) ?? 0) < until) {
      this.#until.set(key, until)
      if (this.#shared !== undefined) {
        // Written through without blocking the caller; a lost write only means another instance
        // learns of the slow-down from Meta itself.
        const write = closeThrottleGate(this.#shared, key, until)
          .catch(() => undefined)
          .finally(() => this.#writes.delete(write))
        this.#writes.add(write)
      }
    }
    // Bounded: expired gates are dropped whenever the map grows large.
    if (this.#until.size > 10_000) {
      const now = this.#now()
      for (const [k, at] of this.#until) if (at <= now) this.#until.delete(k)
    }
  }

  /**
   * Reads a usage reading: at `pausePercent` (90 %) or more of an allowance (or with Meta's own regain estimate),
   * the matching gate closes for Meta's suggested wait.
   * @param usage - from `parseUsageHeaders`, or null
   */
  observe(usage: UsageReading | null | undefined): void {
    if (usage === null || usage === undefined) return
    for (const entry of usage.entries) {
      const percent = Math.max(entry.callCount, entry.totalTime, entry.totalCputime)
      const wait =
        entry.regainAccessMs > 0
          ? entry.regainAccessMs
          : percent >= 100
            ? 5 * 60_000
            : percent >= this.#pausePercent
              ? 60_000
              : 0
      if (wait <= 0) continue
      this.pause(
        entry.source === 'app' || entry.businessId === null
          ? GLOBAL_THROTTLE_KEY
          : `buc:${entry.businessId}`,
        wait,
      )
    }
  }

  /**
   * Closes the right gate for a throttling error; other errors are ignored.
   * @param error - anything a Meta call threw
   * @param objectKey - the account's key, for per-object codes
   * @returns true when the error was a throttle
   */
  penalize(error: unknown, objectKey: string): boolean {
    if (!(error instanceof MetaApiError) || error.code === null) return false
    const wait = error.retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS
    if (APP_THROTTLE_CODES.has(error.code)) this.pause(GLOBAL_THROTTLE_KEY, wait)
    else if (OBJECT_THROTTLE_CODES.has(error.code)) this.pause(objectKey, wait)
    else return false
    this.observe(error.usage)
    return true
  }
}
