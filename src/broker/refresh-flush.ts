import { storeRefreshedTokens, subscribersFor } from '../store/index.js'
import type { AccountRow, TokenRow } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { inTransaction } from './effects/transaction.js'
import { fencedOut } from './refresh-apply.js'
import type { RefreshAction, RefreshResult, Settled } from './refresh-decide.js'

type StoreAction = Extract<RefreshAction, { type: 'store' }>
type RecordAction = Extract<RefreshAction, { type: 'record' }>

/** A successful scheduled refresh waiting for its batch's transaction. */
interface Waiting {
  readonly decision: Settled
  readonly store: StoreAction
  readonly records: readonly RecordAction[]
  readonly row: TokenRow
  readonly account: AccountRow
  readonly accessToken: string
  readonly now: number
  readonly resolve: (result: RefreshResult) => void
  readonly reject: (error: unknown) => void
}

/** When a buffer of refreshed tokens is written. */
export interface WriteBehindOptions {
  /** Write when this many are waiting. Default 100. */
  readonly maxRows?: number
  /** Write at the latest this long after the first one arrived, ms (wall clock). Default 20. */
  readonly maxWaitMs?: number
}

/**
 * Write-behind of the refresh engine's successes: the refreshed tokens of many lanes are stored
 * in one transaction (a fenced UPDATE per row, its event and webhooks, one read of the webhook
 * subscribers, one commit) instead of one transaction each — on SQLite every commit is an fsync,
 * which made the engine CPU- and disk-bound long before Meta's latency bound it. Each refresh's
 * promise settles when its batch has committed, and its lease is held until then: the row stays
 * fenced by the lease and the leased version, so a row whose fence is gone is written as nothing
 * (`joined`/`skipped`, as `applyDecision` answers) and the rest of the batch commits.
 */
export class RefreshWriteBehind {
  readonly #ctx: Pick<BrokerContext, 'store' | 'keyring' | 'changes' | 'now'>
  readonly #owner: string
  readonly #maxRows: number
  readonly #maxWaitMs: number
  #waiting: Waiting[] = []
  #timer: NodeJS.Timeout | undefined
  /** One batch is written at a time; the next one fills meanwhile. */
  #writing: Promise<void> = Promise.resolve()

  /**
   * @param ctx - the broker context
   * @param owner - the lease owner that fences every write
   * @param options - see {@link WriteBehindOptions}
   */
  constructor(
    ctx: Pick<BrokerContext, 'store' | 'keyring' | 'changes' | 'now'>,
    owner: string,
    options: WriteBehindOptions = {},
  ) {
    this.#ctx = ctx
    this.#owner = owner
    this.#maxRows = options.maxRows ?? 100
    this.#maxWaitMs = options.maxWaitMs ?? 20
  }

  /**
   * Whether a decision can wait for a batch: a plain success, only the token's write and its
   * events (anything touching the account's status is written at once by `applyDecision`).
   */
  static accepts(decision: Settled): boolean {
    return (
      decision.outcome === 'refreshed' &&
      decision.actions.some((a) => a.type === 'store') &&
      decision.actions.every((a) => a.type === 'store' || a.type === 'record')
    )
  }

  /**
   * Queues a success for the next batch.
   * @returns the refresh's result once its batch has committed
   */
  add(
    decision: Settled,
    input: {
      readonly row: TokenRow
      readonly account: AccountRow
      readonly accessToken: string
      readonly now: number
    },
  ): Promise<RefreshResult> {
    const store = decision.actions.find((a): a is StoreAction => a.type === 'store')
    if (store === undefined) throw new TypeError('a write-behind decision needs a store action')
    const records = decision.actions.filter((a): a is RecordAction => a.type === 'record')
    return new Promise((resolve, reject) => {
      this.#waiting.push({ decision, store, records, ...input, resolve, reject })
      if (this.#waiting.length >= this.#maxRows) this.#flushSoon(0)
      else this.#flushSoon(this.#maxWaitMs)
    })
  }

  #flushSoon(delay: number): void {
    if (this.#timer !== undefined) {
      if (delay > 0) return
      clearTimeout(this.#timer)
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      const batch = this.#waiting
      this.#waiting = []
      this.#writing = this.#writing.then(() => this.#write(batch))
    }, delay)
  }

  async #write(batch: readonly Waiting[]): Promise<void> {
    let stored: (TokenRow | undefined)[]
    try {
      stored = await inTransaction(this.#ctx, async (unit) => {
        const rows = await storeRefreshedTokens(
          unit.store,
          this.#ctx.keyring,
          batch.map((w) => ({
            row: w.row,
            owner: this.#owner,
            accessToken: w.accessToken,
            issuedAt: w.store.issuedAt,
            expiresAt: w.store.expiresAt,
            nextRefreshAt: w.store.nextRefreshAt,
            now: w.now,
          })),
        )
        const subscribers = await subscribersFor(unit.store, '*')
        for (const [i, w] of batch.entries()) {
          if (rows[i] === undefined) continue
          for (const r of w.records) {
            await unit.record({ type: r.event, account: w.account, data: r.data }, subscribers)
          }
        }
        return rows
      })
    } catch (error) {
      // Nothing of the batch was written; each lease runs out or is given back by the engine.
      for (const w of batch) w.reject(error)
      return
    }
    for (const [i, w] of batch.entries()) {
      const token = stored[i]
      if (token !== undefined) {
        const error = w.decision.error === undefined ? {} : { error: w.decision.error }
        w.resolve({ outcome: w.decision.outcome, token, ...error })
      } else {
        fencedOut(this.#ctx, w.row).then(w.resolve, w.reject)
      }
    }
  }
}
