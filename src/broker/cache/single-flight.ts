/**
 * Concurrent calls for one key share one promise: the first caller starts the work, the others
 * join it until it settles (resolved or rejected). Nothing is remembered after that.
 */
export class SingleFlight<K, V> {
  readonly #running = new Map<K, Promise<V>>()

  /** How many keys have work running. */
  get size(): number {
    return this.#running.size
  }

  /** Whether work for `key` is running. */
  has(key: K): boolean {
    return this.#running.has(key)
  }

  /**
   * Joins the work running for `key`, or starts `work` when none is.
   * @param key - what the work is about
   * @param work - started only when nothing runs for `key`; a synchronous throw rejects the promise
   */
  run(key: K, work: () => Promise<V>): Promise<V> {
    const running = this.#running.get(key)
    if (running !== undefined) return running
    const promise = invoke(work).finally(() => {
      // A caller may have forgotten this flight and started another: leave that one alone.
      if (this.#running.get(key) === promise) this.#running.delete(key)
    })
    this.#running.set(key, promise)
    return promise
  }

  /**
   * Stops later callers from joining the work running for `key` (they start afresh); callers
   * already waiting still get its result.
   * @returns whether work was running
   */
  forget(key: K): boolean {
    return this.#running.delete(key)
  }

  /** {@link forget} for every key. */
  forgetAll(): void {
    this.#running.clear()
  }

  /** Whether `promise` is still the flight registered for `key`. */
  isCurrent(key: K, promise: Promise<V>): boolean {
    return this.#running.get(key) === promise
  }
}

async function invoke<V>(work: () => Promise<V>): Promise<V> {
  return work()
}
