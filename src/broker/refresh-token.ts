import { randomInt } from 'node:crypto'
import { getAccount, newLeaseOwner, openToken } from '../store/index.js'
import type { AccountRow, TokenRow } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { applyDecision } from './refresh-apply.js'
import { decide } from './refresh-decide.js'
import type {
  MetaAnswer,
  RefreshOutcome,
  RefreshResult,
  RefreshRules,
  RefreshTrigger,
} from './refresh-decide.js'
import { HeldLease, claimOrWait, holdForCall } from './refresh-lease.js'
import type { LeaseTerms } from './refresh-lease.js'
import type { RefreshPolicyOptions } from './refresh-policy.js'
import { Throttle, accountThrottleKey } from './throttle.js'
import { RefreshWriteBehind } from './refresh-flush.js'
import type { WriteBehindOptions } from './refresh-flush.js'

export { BrokerErrorLike } from './refresh-failure.js'
export type { RefreshOutcome, RefreshResult, RefreshTrigger } from './refresh-decide.js'

/** Settings of a {@link TokenRefresher}. */
export interface TokenRefresherOptions {
  /** The lease owner, unique per process; default host:pid:random. */
  readonly owner?: string
  /** The refresh policy. */
  readonly policy?: RefreshPolicyOptions
  /** Send `token.expiring` when a token is this close to expiry and not yet refreshed, ms. Default 7 days. */
  readonly expiringWithinMs?: number
  /** Lease length, ms; renewed every third of it while Meta is being called. Default 120 000. */
  readonly leaseMs?: number
  /** How long an on-demand refresh waits for another holder of the lease, ms (wall clock). Default 20 000. */
  readonly waitForHolderMs?: number
  /** Shared with the engine: where Meta asked us to slow down. */
  readonly throttle?: Throttle
  /** Told about each outcome (metrics). */
  readonly onOutcome?: (outcome: RefreshOutcome, trigger: RefreshTrigger) => void
  /**
   * Write the engine's successes behind, many to a transaction (`serve` and `worker` give it
   * unless `IGTOKEN_REFRESH_WRITE_BEHIND=false`; absent, each success is its own transaction).
   */
  readonly writeBehind?: WriteBehindOptions
  /** Told about errors that are only reported, never thrown (a heartbeat that could not be written). */
  readonly onError?: (error: unknown) => void
  /** A uniform draw in [0, 1) for jitter; default crypto randomness. */
  readonly random?: () => number
}

// The owner format lives with the leases (store/lease-owner.ts), so its parser sits beside it.
export { newLeaseOwner } from '../store/index.js'

function defaultRandom(): number {
  return randomInt(0, 1_000_000) / 1_000_000
}

/**
 * The one routine that refreshes (or checks, warns about, expires) one token, shared by the
 * scheduled engine and on-demand refreshes (token API, CLI, dashboard). It only sequences three
 * parts: `decide` (the policy, pure), the lease (claim, heartbeat, wait) and `applyDecision` (the
 * fenced writes, with their effects in the same transaction).
 *
 * Every Meta call happens under the token's lease, renewed while the call is in flight, so two
 * processes never call Meta for the same token at once; calls for the same token in this process
 * share one promise. A failure never touches the stored token.
 */
export class TokenRefresher {
  readonly #ctx: BrokerContext
  readonly #options: TokenRefresherOptions
  readonly #inflight = new Map<string, Promise<RefreshResult>>()
  readonly #random: () => number
  readonly #rules: RefreshRules
  readonly #lease: LeaseTerms
  readonly #writeBehind: RefreshWriteBehind | undefined
  /** The lease owner of this process. */
  readonly owner: string
  /** Where Meta asked us to slow down (shared with the engine). */
  readonly throttle: Throttle

  /**
   * @param ctx - the broker context (its clock is `ctx.now`)
   * @param options - see {@link TokenRefresherOptions}
   */
  constructor(ctx: BrokerContext, options: TokenRefresherOptions = {}) {
    this.#ctx = ctx
    this.#options = options
    this.#random = options.random ?? defaultRandom
    this.owner = options.owner ?? newLeaseOwner('igtoken')
    this.throttle = options.throttle ?? new Throttle(ctx.now, ctx.store)
    this.#rules = {
      ...options.policy,
      ...(options.expiringWithinMs === undefined
        ? {}
        : { expiringWithinMs: options.expiringWithinMs }),
    }
    this.#writeBehind =
      options.writeBehind === undefined
        ? undefined
        : new RefreshWriteBehind(ctx, this.owner, options.writeBehind)
    this.#lease = {
      store: ctx.store,
      owner: this.owner,
      leaseMs: options.leaseMs ?? 120_000,
      now: ctx.now,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    }
  }

  /** How many tokens this process is working on right now. */
  get inflight(): number {
    return this.#inflight.size
  }

  /**
   * Works on a token this process has leased (`claimDueTokens`): whatever the policy says is due.
   * @param row - the leased row
   * @param trigger - normally `schedule`
   * @param known - the token's account as read with its batch (`accountsOfTokens`; undefined
   *   when it is gone), so that it is not read again per token
   */
  processClaimed(
    row: TokenRow,
    trigger: RefreshTrigger = 'schedule',
    known?: { readonly account: AccountRow | undefined },
  ): Promise<RefreshResult> {
    return this.#once(row.id, trigger, () => this.#run(row, trigger, false, known))
  }

  /**
   * Refreshes a token now (on demand). Joins a refresh of the same token already running in this
   * process; otherwise takes the token's lease, and when another process holds it, waits for that
   * holder's result instead of calling Meta a second time.
   * @param row - the token as last read
   * @param trigger - `api` or `operator`
   */
  refreshNow(row: TokenRow, trigger: RefreshTrigger): Promise<RefreshResult> {
    return this.#once(row.id, trigger, async () => {
      const waited = await claimOrWait(this.#lease, row, this.#options.waitForHolderMs ?? 20_000)
      return 'claimed' in waited ? this.#run(waited.claimed, trigger, true) : waited.result
    })
  }

  /**
   * Meta refused `row`'s token on a read (a feed): settles that answer by the refresh's own rule
   * (`decide` with the failure as Meta's answer, then `applyDecision`), so the account's status,
   * event and webhooks are exactly a refresh's. Done under the token's lease and only while `row`
   * is still the stored token (a token replaced since the read was not the one refused); when
   * another process holds the lease it is left to that holder, which meets the same answer.
   * @param row - the token the read used
   * @param error - what Meta answered (the caller checked it says the token is dead)
   * @param trigger - normally `read`
   */
  settleRefusal(row: TokenRow, error: unknown, trigger: RefreshTrigger): Promise<RefreshResult> {
    return this.#once(row.id, trigger, async () => {
      const ctx = this.#ctx
      const account = await getAccount(ctx.store, row.account_id)
      if (account?.status !== 'active') return { outcome: 'skipped', token: row }
      const lease = await holdForCall(this.#lease, row)
      if (!(lease instanceof HeldLease)) return { outcome: 'skipped' }
      const input = {
        token: lease.row,
        accountStatus: account.status,
        trigger,
        force: false,
        blockedUntil: 0,
        jitter: this.#random(),
      }
      const now = ctx.now()
      const decision = decide(input, this.#rules, now, { kind: 'failed', error })
      return applyDecision(ctx, decision, { owner: this.owner, row: lease.row, account, now })
    })
  }

  /** One piece of work per token in this process: a second caller joins the first. */
  #once(
    tokenId: string,
    trigger: RefreshTrigger,
    work: () => Promise<RefreshResult>,
  ): Promise<RefreshResult> {
    const running = this.#inflight.get(tokenId)
    if (running !== undefined) return running
    const promise = work()
      .then((result) => {
        this.#options.onOutcome?.(result.outcome, trigger)
        return result
      })
      .finally(() => this.#inflight.delete(tokenId))
    this.#inflight.set(tokenId, promise)
    return promise
  }

  async #run(
    row: TokenRow,
    trigger: RefreshTrigger,
    force: boolean,
    known?: { readonly account: AccountRow | undefined },
  ): Promise<RefreshResult> {
    const ctx = this.#ctx
    const account =
      known === undefined ? await getAccount(ctx.store, row.account_id) : known.account
    const input = {
      token: row,
      accountStatus: account?.status,
      trigger,
      force,
      blockedUntil:
        account === undefined ? 0 : this.throttle.blockedUntil(accountThrottleKey(account)),
      jitter: this.#random(),
    }
    const now = ctx.now()
    const decision = decide(input, this.#rules, now)
    if (decision.kind === 'settle') {
      return applyDecision(ctx, decision, { owner: this.owner, row, account, now })
    }
    // Only an active account gets a `call` decision.
    if (account === undefined) return { outcome: 'skipped', token: row }
    const lease = await holdForCall(this.#lease, row)
    if (!(lease instanceof HeldLease)) {
      return lease.busy === undefined
        ? { outcome: 'skipped' }
        : { outcome: 'skipped', token: lease.busy }
    }
    const held = lease.row
    const { answer, accessToken } = await lease.during(() =>
      this.#callMeta(decision.call, held, account),
    )
    const after = ctx.now()
    const settled = decide({ ...input, token: held }, this.#rules, after, answer)
    if (
      this.#writeBehind !== undefined &&
      trigger === 'schedule' &&
      accessToken !== undefined &&
      RefreshWriteBehind.accepts(settled)
    ) {
      // The engine's hot path: a success waits (≤ 20 ms) to be written with others in one commit.
      return this.#writeBehind.add(settled, { row: held, account, accessToken, now: after })
    }
    return applyDecision(ctx, settled, {
      owner: this.owner,
      row: held,
      account,
      now: after,
      ...(accessToken === undefined ? {} : { accessToken }),
    })
  }

  async #callMeta(
    call: 'refresh' | 'inspect',
    row: TokenRow,
    account: AccountRow,
  ): Promise<{ readonly answer: MetaAnswer; readonly accessToken?: string }> {
    const meta = this.#ctx.meta
    const current = openToken(this.#ctx.keyring, row).plaintext
    try {
      if (call === 'inspect') {
        const inspection = await meta.inspectToken(current)
        this.throttle.observe(inspection.usage)
        if (inspection.isValid) return { answer: { kind: 'valid' } }
        const code = inspection.error?.code ?? null
        const subcode = inspection.error?.subcode ?? null
        return { answer: { kind: 'invalid', code, subcode } }
      }
      const refreshed = await meta.refreshLongLivedToken(current, {
        issuedAt: row.issued_at,
        ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
      })
      const sameToken = refreshed.accessToken === current
      return {
        answer: { kind: 'refreshed', expiresAt: refreshed.expiresAt, sameToken },
        accessToken: refreshed.accessToken,
      }
    } catch (error) {
      this.throttle.penalize(error, accountThrottleKey(account))
      return { answer: { kind: 'failed', error } }
    }
  }
}
