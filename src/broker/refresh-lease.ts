import { setTimeout as sleep } from 'node:timers/promises'
import { claimToken, getAccount, getTokenById, releaseLease, renewLease } from '../store/index.js'
import type { StoreContext, TokenRow } from '../store/index.js'
import { BrokerErrorLike } from './refresh-failure.js'
import type { RefreshResult } from './refresh-decide.js'

/** Who holds leases and for how long. */
export interface LeaseTerms {
  readonly store: StoreContext
  /** The lease owner of this process. */
  readonly owner: string
  /** Lease length, ms (on the `now` clock). */
  readonly leaseMs: number
  readonly now: () => number
  /** Told about a heartbeat that could not be written (it is tried again on the next beat). */
  readonly onError?: (error: unknown) => void
}

/**
 * A token lease this process holds while it calls Meta. A heartbeat renews it whenever less than
 * two thirds of it is left (every `leaseMs / 3`), so it does not run out while the call is in
 * flight however long Meta takes; the final write is fenced by it (see `applyDecision`).
 */
export class HeldLease {
  readonly #terms: LeaseTerms
  /** The row as it was when the lease was taken (its version is what the refresh started from). */
  readonly row: TokenRow
  #until: number
  #lost = false

  /**
   * @param terms - see {@link LeaseTerms}
   * @param row - the leased row
   */
  constructor(terms: LeaseTerms, row: TokenRow) {
    this.#terms = terms
    this.row = row
    this.#until = row.lease_until ?? 0
  }

  /** Whether a heartbeat found the lease taken by someone else or given back. */
  get lost(): boolean {
    return this.#lost
  }

  /**
   * Runs `work` (the call to Meta) with the heartbeat going, and stops it when `work` settles.
   * @param work - the call
   */
  async during<T>(work: () => Promise<T>): Promise<T> {
    const { leaseMs, now } = this.#terms
    let timer: NodeJS.Timeout | undefined
    let beating: Promise<void> | undefined
    let stopped = false
    const schedule = (delay: number) => {
      if (stopped || this.#lost) return
      timer = setTimeout(() => {
        beating = this.#beat().finally(() => {
          beating = undefined
          schedule(leaseMs / 3)
        })
      }, delay)
      timer.unref()
    }
    // The first beat when two thirds of the lease are left, then one every third of it.
    schedule(Math.max(0, this.#until - now() - (2 * leaseMs) / 3))
    try {
      return await work()
    } finally {
      stopped = true
      clearTimeout(timer)
      await beating
    }
  }

  async #beat(): Promise<void> {
    const { store, owner, leaseMs, now } = this.#terms
    const at = now()
    try {
      if (await renewLease(store, { tokenId: this.row.id, owner, now: at, leaseMs })) {
        this.#until = at + leaseMs
      } else {
        this.#lost = true
      }
    } catch (error) {
      this.#terms.onError?.(error)
    }
  }
}

/**
 * Takes (or renews) `row`'s lease right before calling Meta and checks that the token is still the
 * one read: one conditional `UPDATE … RETURNING`. It is never skipped, even for a row claimed a
 * moment ago, because this process may hold two copies of one row (the engine claimed it again
 * after its lease ran out in the queue, or an on-demand refresh of the same token ran meanwhile):
 * only the database knows whether the other copy already refreshed it.
 * @param terms - see {@link LeaseTerms}
 * @param row - the row as claimed
 * @returns the held lease, or the row as it is now when it is someone else's or has changed
 *   (a newer token was stored): then Meta must not be called
 */
export async function holdForCall(
  terms: LeaseTerms,
  row: TokenRow,
): Promise<HeldLease | { readonly busy: TokenRow | undefined }> {
  const { store, owner, leaseMs, now } = terms
  const held = await claimToken(store, { tokenId: row.id, owner, now: now(), leaseMs })
  if (held === undefined) return { busy: await getTokenById(store, row.id) }
  if (held.version !== row.version) {
    await releaseLease(store, { tokenId: row.id, owner })
    return { busy: { ...held, lease_owner: null, lease_until: null } }
  }
  return new HeldLease(terms, held)
}

/**
 * Takes a token's lease for an on-demand refresh. When another process holds it, waits (polling
 * with backoff, at most `waitMs` of wall clock) for that holder's result instead of calling Meta a
 * second time.
 * @param terms - see {@link LeaseTerms}
 * @param row - the token as the caller last read it
 * @param waitMs - how long to wait for another holder
 * @returns the claimed row, or the result the wait ended with (`joined`, `failed`, `skipped`,
 *   `deferred`)
 */
export async function claimOrWait(
  terms: LeaseTerms,
  row: TokenRow,
  waitMs: number,
): Promise<{ readonly claimed: TokenRow } | { readonly result: RefreshResult }> {
  const { store, owner, leaseMs, now } = terms
  const startedAt = now()
  const deadline = Date.now() + waitMs
  let pause = 25
  for (;;) {
    const claimed = await claimToken(store, { tokenId: row.id, owner, now: now(), leaseMs })
    if (claimed !== undefined) {
      if (claimed.version === row.version) return { claimed }
      // Someone stored a newer token since the caller read it: that is the refresh asked for.
      await releaseLease(store, { tokenId: claimed.id, owner })
      return {
        result: { outcome: 'joined', token: { ...claimed, lease_owner: null, lease_until: null } },
      }
    }
    const current = await getTokenById(store, row.id)
    if (current === undefined) return { result: { outcome: 'skipped' } }
    if (current.version !== row.version) return { result: { outcome: 'joined', token: current } }
    const account = await getAccount(store, current.account_id)
    if (account?.status !== 'active') return { result: { outcome: 'skipped', token: current } }
    if (current.last_error_at !== null && current.last_error_at >= startedAt) {
      // The holder tried and failed: its error is ours too; do not call Meta again at once.
      const error = new BrokerErrorLike(current.last_error_code, current.last_error_message)
      return { result: { outcome: 'failed', token: current, error } }
    }
    if (Date.now() > deadline) {
      const error = new BrokerErrorLike('busy', 'another refresh of this token is still running')
      return { result: { outcome: 'deferred', token: current, error } }
    }
    await sleep(pause)
    pause = Math.min(pause * 2, 500)
  }
}
