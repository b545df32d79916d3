import { SingleFlight } from './single-flight.js'

/** Options of {@link ExpiringCache}. */
export interface ExpiringCacheOptions {
  /** At most this many entries; storing one more evicts the least recently stored. */
  readonly maxEntries: number
  /** How long an entry is served, ms; 0 = nothing is stored (the cache is off). */
  readonly ttlMs: number
  /** The clock, epoch ms. */
  readonly now: () => number
  /**
   * Keep expired entries (until evicted or invalidated) so {@link ExpiringCache.peek} can still
   * return the last value, e.g. a feed's last good copy when Meta fails. Default false: an expired
   * entry is dropped when read.
   */
  readonly keepExpired?: boolean
}

interface Slot<V> {
  readonly value: V
  readonly until: number
}

/**
 * The one in-memory cache of the broker and the server: bounded, expiring, with one load per key
 * at a time (single flight). Every invalidation also detaches the loads running for what it drops,
 * so a value read before a change committed is never stored after it: the next caller loads afresh.
 */
export class ExpiringCache<K, V> {
  readonly #slots = new Map<K, Slot<V>>()
  readonly #flights = new SingleFlight<K, V | undefined>()
  readonly #max: number
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #keepExpired: boolean

  /** @throws {TypeError} when `maxEntries` is not a positive integer or `ttlMs` a whole number ≥ 0 */
  constructor(options: ExpiringCacheOptions) {
    if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new TypeError('"maxEntries" must be a positive integer')
    }
    checkTtl(options.ttlMs)
    if (typeof options.now !== 'function') throw new TypeError('"now" must be a function')
    this.#max = options.maxEntries
    this.#ttlMs = options.ttlMs
    this.#now = options.now
    this.#keepExpired = options.keepExpired ?? false
  }

  /** How many entries are stored (expired ones kept for {@link peek} included). */
  get size(): number {
    return this.#slots.size
  }

  /** The value stored for `key` while it has not expired. */
  get(key: K): V | undefined {
    const slot = this.#slots.get(key)
    if (slot === undefined) return undefined
    if (slot.until > this.#now()) return slot.value
    if (!this.#keepExpired) this.#slots.delete(key)
    return undefined
  }

  /** The value stored for `key`, expired or not (only with `keepExpired`, else as {@link get}). */
  peek(key: K): V | undefined {
    return this.#keepExpired ? this.#slots.get(key)?.value : this.get(key)
  }

  /**
   * Stores a value.
   * @param ttlMs - this entry's lifetime (default the cache's); 0 or less drops the key instead
   */
  set(key: K, value: V, ttlMs: number = this.#ttlMs): void {
    if (!Number.isFinite(ttlMs)) throw new TypeError('"ttlMs" must be a finite number')
    this.#slots.delete(key)
    if (ttlMs <= 0) return
    if (this.#slots.size >= this.#max) {
      const oldest = this.#slots.keys().next()
      if (oldest.done !== true) this.#slots.delete(oldest.value)
    }
    this.#slots.set(key, { value, until: this.#now() + ttlMs })
  }

  /**
   * The value for `key`: from the cache while fresh, else from `loader`, which runs once for all
   * concurrent callers of one key. `undefined` from the loader is returned, not stored; a loader's
   * error is thrown to every caller waiting for it and nothing is stored.
   * @param ttlMs - the lifetime of what the loader returns (default the cache's)
   */
  async load(
    key: K,
    loader: () => Promise<V | undefined>,
    ttlMs?: (value: V) => number,
  ): Promise<V | undefined> {
    const cached = this.get(key)
    if (cached !== undefined) return cached
    const flight: Promise<V | undefined> = this.#flights.run(key, async () => {
      const value = await loader()
      // Stored only if no invalidation detached this load while it ran.
      if (value !== undefined && this.#flights.isCurrent(key, flight)) {
        this.set(key, value, ttlMs === undefined ? this.#ttlMs : ttlMs(value))
      }
      return value
    })
    return flight
  }

  /** Drops `key` and detaches its running load. @returns whether a value was stored */
  delete(key: K): boolean {
    this.#flights.forget(key)
    return this.#slots.delete(key)
  }

  /**
   * Drops every entry whose value matches (e.g. every feed of one account), and detaches every
   * running load, whose value cannot be matched yet.
   * @returns how many entries were dropped
   */
  deleteWhere(matches: (value: V, key: K) => boolean): number {
    this.#flights.forgetAll()
    let dropped = 0
    for (const [key, slot] of this.#slots) {
      if (matches(slot.value, key)) {
        this.#slots.delete(key)
        dropped++
      }
    }
    return dropped
  }

  /** Drops everything and detaches every running load. */
  clear(): void {
    this.#flights.forgetAll()
    this.#slots.clear()
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) {
    throw new TypeError('"ttlMs" must be a whole number of ms, 0 or more')
  }
}
