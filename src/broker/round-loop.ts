/**
 * The background loop the refresh engine and the webhook worker share: one round at a time (a
 * round already running is joined, not doubled), the next one `pollMs` of wall clock after the
 * last ends, and a stop that lets the running round finish.
 */
export class RoundLoop<T> {
  readonly #run: () => Promise<T>
  readonly #options: { readonly pollMs: number; readonly onError?: (error: unknown) => void }
  #round: Promise<T> | undefined
  #timer: NodeJS.Timeout | undefined
  #running = false
  #stopping = false

  /**
   * @param run - one round of work
   * @param options - the pause between rounds, and where a failed round is reported
   */
  constructor(
    run: () => Promise<T>,
    options: { readonly pollMs: number; readonly onError?: (error: unknown) => void },
  ) {
    this.#run = run
    this.#options = options
  }

  /** True once {@link RoundLoop.stop} was called: a round should stop taking new work. */
  get stopping(): boolean {
    return this.#stopping
  }

  /** Runs a round now, or joins the one running. */
  runOnce(): Promise<T> {
    this.#round ??= this.#run().finally(() => {
      this.#round = undefined
    })
    return this.#round
  }

  /**
   * Runs a round that starts after this call: waits for the round running (which may have read the
   * clock before it moved), then runs or joins the next one. For a clock that jumps (demo mode).
   */
  async runFresh(): Promise<T> {
    await this.#round?.catch(() => undefined)
    return this.runOnce()
  }

  /** Starts the loop: a round now, then one every `pollMs` after the last ends. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#stopping = false
    const tick = () => {
      if (this.#stopping) return
      this.runOnce()
        .catch((error: unknown) => this.#options.onError?.(error))
        .finally(() => {
          if (!this.#stopping) this.#timer = setTimeout(tick, this.#options.pollMs)
        })
    }
    this.#timer = setTimeout(tick, 0)
  }

  /** Stops the loop and waits for the running round. */
  async stop(): Promise<void> {
    this.#stopping = true
    this.#running = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    await this.#round?.catch(() => undefined)
  }
}
