import { accountsOfTokens, claimDueTokens, releaseLease } from '../store/index.js'
import type { AccountRow, TokenRow } from '../store/index.js'
import type { BrokerContext } from './context.js'
import type { RefreshOutcome, TokenRefresher } from './refresh-token.js'
import { RoundLoop } from './round-loop.js'

/** Settings of a {@link RefreshEngine}. */
export interface RefreshEngineOptions {
  /** Tokens worked on at once. Default 20. */
  readonly concurrency?: number
  /** Tokens claimed per query (1–500). Default 100. */
  readonly batchSize?: number
  /** How long a claim lasts, ms: longer than a queued token waits plus one Meta call. Default 120 000. */
  readonly leaseMs?: number
  /** Pause between rounds of the background loop, ms (wall clock). Default 30 000. */
  readonly pollMs?: number
  /** Told about errors a round survived (logging). */
  readonly onError?: (error: unknown) => void
}

/** What one round did. */
export interface RoundSummary {
  /** Tokens claimed. */
  readonly claimed: number
  /** Count per outcome. */
  readonly outcomes: Readonly<Partial<Record<RefreshOutcome, number>>>
  /** Leases given back unprocessed (the engine was stopping). */
  readonly released: number
}

/**
 * The refresh engine: claims due tokens in batches under a lease and runs them through the shared
 * {@link TokenRefresher} with bounded concurrency. It holds at most
 * `batchSize + 2 × concurrency − 1` tokens (a batch, the short queue left when it claims again, and
 * the lanes' rows), whatever the number of accounts; several engines (processes, hosts) can run
 * against one database, and a crashed engine's claims run out and are taken again.
 *
 * The clock is `ctx.now`, so tests move time; the background loop's pause between rounds is wall
 * time.
 */
export class RefreshEngine {
  readonly #ctx: BrokerContext
  readonly #refresher: TokenRefresher
  readonly #options: RefreshEngineOptions
  readonly #loop: RoundLoop<RoundSummary>

  /**
   * @param ctx - the broker context
   * @param refresher - the shared refresh routine (its owner is the lease owner)
   * @param options - see {@link RefreshEngineOptions}
   */
  constructor(ctx: BrokerContext, refresher: TokenRefresher, options: RefreshEngineOptions = {}) {
    this.#ctx = ctx
    this.#refresher = refresher
    this.#options = options
    this.#loop = new RoundLoop(() => this.#runRound(), {
      pollMs: options.pollMs ?? 30_000,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    })
  }

  /**
   * Claims and processes everything due now, batch after batch, and resolves when done. A round
   * already running is joined rather than doubled.
   */
  runOnce(): Promise<RoundSummary> {
    return this.#loop.runOnce()
  }

  /**
   * A round that sees the clock as it is now, even when one is running (that one may have claimed
   * with the time before a jump). Demo mode's shared clock wakes the engine with it, so a token due
   * after the clock moved is refreshed at once, not at the next poll.
   */
  wake(): Promise<RoundSummary> {
    return this.#loop.runFresh()
  }

  /** Starts the background loop: a round now, then one every `pollMs` after the last ends. */
  start(): void {
    this.#loop.start()
  }

  /**
   * Stops claiming, lets refreshes already talking to Meta finish, gives back the leases of claimed
   * tokens not yet started, and resolves when all is quiet (graceful shutdown on SIGTERM).
   */
  stop(): Promise<void> {
    return this.#loop.stop()
  }

  // A method, not the getter inline: the loop awaits between checks, and TypeScript would narrow
  // a property read to the value it had before the await.
  #isStopping(): boolean {
    return this.#loop.stopping
  }

  async #runRound(): Promise<RoundSummary> {
    // Slow-downs another instance was told about apply here too (gates shared in the database).
    await this.#refresher.throttle.sync().catch((error: unknown) => this.#options.onError?.(error))
    const concurrency = Math.max(1, this.#options.concurrency ?? 20)
    const batchSize = Math.min(500, Math.max(1, this.#options.batchSize ?? 100))
    const leaseMs = this.#options.leaseMs ?? 120_000
    const outcomes: Partial<Record<RefreshOutcome, number>> = {}
    // Each token with its account, read for the whole batch in one query at claim time.
    const queue: { readonly row: TokenRow; readonly account: AccountRow | undefined }[] = []
    const active = new Set<Promise<void>>()
    // A row whose lease ran out while it waited in the queue can be claimed again by this very
    // engine: the copy still queued or in flight is enough (it renews the lease before calling Meta).
    const pending = new Set<string>()
    let claimed = 0
    // Fields rather than locals: the claim's callbacks change them while the loop awaits.
    const state: {
      exhausted: boolean
      claiming: Promise<void> | undefined
      failed: { readonly error: unknown } | undefined
    } = { exhausted: false, claiming: undefined, failed: undefined }

    const claimMore = async () => {
      const rows = await claimDueTokens(this.#ctx.store, {
        owner: this.#refresher.owner,
        now: this.#ctx.now(),
        leaseMs,
        limit: batchSize,
      })
      claimed += rows.length
      if (rows.length === 0) state.exhausted = true
      const accounts = await accountsOfTokens(this.#ctx.store, rows).catch(
        async (error: unknown) => {
          // Leased but never queued: give them back, or nothing would until the leases run out.
          for (const row of rows) {
            if (pending.has(row.id)) continue
            const lease = { tokenId: row.id, owner: this.#refresher.owner }
            await releaseLease(this.#ctx.store, lease).catch(() => false)
          }
          throw error
        },
      )
      for (const row of rows) {
        if (pending.has(row.id)) continue
        pending.add(row.id)
        queue.push({ row, account: accounts.get(row.account_id) })
      }
    }
    const work = ({ row, account }: (typeof queue)[number]) => {
      const task = this.#refresher
        .processClaimed(row, 'schedule', { account })
        .then(
          (result) => {
            outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1
          },
          (error: unknown) => {
            this.#options.onError?.(error)
            // The lease runs out by itself; giving it back now lets the next round retry sooner.
            return releaseLease(this.#ctx.store, {
              tokenId: row.id,
              owner: this.#refresher.owner,
            }).then(() => undefined)
          },
        )
        .catch((error: unknown) => this.#options.onError?.(error))
        .finally(() => {
          active.delete(task)
          pending.delete(row.id)
        })
      active.add(task)
    }

    for (;;) {
      if (this.#isStopping()) break
      // Claim ahead while the lanes are busy, so that a lane never waits for the database.
      if (!state.exhausted && state.claiming === undefined && queue.length < concurrency) {
        // A failed claim ends the claiming, not the round: the rows already leased are still
        // worked on and the lanes awaited, so the round never leaves leases behind it (the
        // next round would claim beside them, past the bound). The error is thrown at the end.
        const claim = claimMore()
          .catch((error: unknown) => {
            state.failed = { error }
            state.exhausted = true
          })
          .finally(() => {
            state.claiming = undefined
          })
        state.claiming = claim
        if (queue.length === 0) await claim
      }
      while (active.size < concurrency && queue.length > 0 && !this.#isStopping()) {
        const next = queue.shift()
        if (next !== undefined) work(next)
      }
      if (queue.length === 0 && state.exhausted && state.claiming === undefined) break
      const waits: Promise<unknown>[] = [...active]
      if (state.claiming !== undefined) waits.push(state.claiming)
      if (waits.length === 0) continue
      await Promise.race(waits)
    }
    await state.claiming?.catch(() => undefined)
    let released = 0
    for (const { row } of queue.splice(0)) {
      if (await releaseLease(this.#ctx.store, { tokenId: row.id, owner: this.#refresher.owner })) {
        released++
      }
    }
    await Promise.all(active)
    if (state.failed !== undefined) throw state.failed.error
    return { claimed, outcomes, released }
  }
}
