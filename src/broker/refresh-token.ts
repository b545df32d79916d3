import { randomBytes, randomInt } from 'node:crypto'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  BrokerError,
  IGB_REFRESH_TOO_EARLY,
  IGB_TOKEN_EXPIRED,
  MetaApiError,
} from '../meta/index.js'
import {
  appendEvent,
  claimToken,
  releaseLease,
  getAccount,
  getTokenById,
  openToken,
  recordRefreshFailure,
  recordRefreshSuccess,
  rescheduleToken,
  setAccountStatus,
  unscheduleAccountTokens,
} from '../store/index.js'
import type { AccountRow, TokenRow } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { decideRefresh, isExpiring, nextRefreshAt, retryAt } from './refresh-policy.js'
import type { RefreshPolicyOptions } from './refresh-policy.js'
import { Throttle, accountThrottleKey } from './throttle.js'
import { SERVED_TOKEN_KIND } from './token-kinds.js'
import { publishWebhookEvent } from './webhooks/webhook-publisher.js'
import type { WebhookEventData, WebhookEventType } from './webhooks/webhook-events.js'

const DAY = 86_400_000

/** What triggered a refresh (a metric label and an event detail). */
export type RefreshTrigger = 'api' | 'schedule' | 'operator'

/** How one look at a token ended. */
export type RefreshOutcome =
  /** A new token (or the same string with a new expiry) is stored. */
  | 'refreshed'
  /** Another process or call refreshed it meanwhile; its token is stored. */
  | 'joined'
  /** A transient failure: the working token is kept and a retry is scheduled. */
  | 'failed'
  /** Meta refused the token for good (190 family, permission removed): a new login is needed. */
  | 'needs_reauth'
  /** The token ran out before it could be refreshed. */
  | 'expired'
  /** A token without a refresh grant expires soon: people were told. */
  | 'warned'
  /** A token without expiry passed its validity check. */
  | 'checked'
  /** Not now (too young, throttled): looked at again later, nothing counted as a failure. */
  | 'deferred'
  /** Nothing to do (the account is not active, the token is gone). */
  | 'skipped'

/** The result of {@link TokenRefresher.processClaimed} and {@link TokenRefresher.refreshNow}. */
export interface RefreshResult {
  readonly outcome: RefreshOutcome
  /** The stored row afterwards, when there is one. */
  readonly token?: TokenRow
  /** What went wrong, for `failed`, `needs_reauth`, `expired` and `deferred`. */
  readonly error?: unknown
}

/** Settings of a {@link TokenRefresher}. */
export interface TokenRefresherOptions {
  /** The lease owner, unique per process; default host:pid:random. */
  readonly owner?: string
  /** The refresh policy. */
  readonly policy?: RefreshPolicyOptions
  /** Send `token.expiring` when a token is this close to expiry and not yet refreshed, ms. Default 7 days. */
  readonly expiringWithinMs?: number
  /** Lease length of an on-demand refresh, ms. Default 120 000. */
  readonly leaseMs?: number
  /** How long an on-demand refresh waits for another holder of the lease, ms (wall clock). Default 20 000. */
  readonly waitForHolderMs?: number
  /** Shared with the engine: where Meta asked us to slow down. */
  readonly throttle?: Throttle
  /** Told about each outcome (metrics). */
  readonly onOutcome?: (outcome: RefreshOutcome, trigger: RefreshTrigger) => void
  /** Told about errors that are only reported, never thrown (webhook queueing). */
  readonly onError?: (error: unknown) => void
  /** A uniform draw in [0, 1) for jitter; default crypto randomness. */
  readonly random?: () => number
}

/**
 * A process-unique lease owner name: host, pid and a random part.
 * @param role - a short prefix such as `serve` or `worker`
 */
export function newLeaseOwner(role: string): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '')
      .slice(0, 60) || 'host'
  return `${role}:${host}:${process.pid}:${randomBytes(4).toString('hex')}`
}

function defaultRandom(): number {
  return randomInt(0, 1_000_000) / 1_000_000
}

/**
 * The one routine that refreshes (or checks, warns about, expires) one token, shared by the
 * scheduled engine and on-demand refreshes from the token API.
 *
 * Every Meta call happens under the token's lease, so two processes never refresh the same token
 * at once; calls for the same token in this process share one promise. A failure never touches the
 * stored token; every outcome lands in the account's event log, and the ones people act on are
 * queued as webhooks.
 */
export class TokenRefresher {
  readonly #ctx: BrokerContext
  readonly #options: TokenRefresherOptions
  readonly #inflight = new Map<string, Promise<RefreshResult>>()
  readonly #random: () => number
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
  }

  /** How many tokens this process is working on right now. */
  get inflight(): number {
    return this.#inflight.size
  }

  /**
   * Works on a token this process has leased (`claimDueTokens`): whatever the policy says is due.
   * @param row - the leased row
   * @param trigger - normally `schedule`
   */
  processClaimed(row: TokenRow, trigger: RefreshTrigger = 'schedule'): Promise<RefreshResult> {
    const running = this.#inflight.get(row.id)
    if (running !== undefined) return running
    return this.#track(row.id, this.#process(row, trigger, false))
  }

  /**
   * Refreshes a token now (on demand). Joins a refresh of the same token already running in this
   * process; otherwise takes the token's lease, and when another process holds it, waits for that
   * holder's result instead of calling Meta a second time.
   * @param row - the token as last read
   * @param trigger - `api` or `operator`
   */
  refreshNow(row: TokenRow, trigger: RefreshTrigger): Promise<RefreshResult> {
    const running = this.#inflight.get(row.id)
    if (running !== undefined) return running
    return this.#track(row.id, this.#claimOrWait(row, trigger))
  }

  #track(tokenId: string, work: Promise<RefreshResult>): Promise<RefreshResult> {
    const promise = work.finally(() => this.#inflight.delete(tokenId))
    this.#inflight.set(tokenId, promise)
    return promise
  }

  async #claimOrWait(row: TokenRow, trigger: RefreshTrigger): Promise<RefreshResult> {
    const ctx = this.#ctx
    const startedAt = ctx.now()
    const deadline = Date.now() + (this.#options.waitForHolderMs ?? 20_000)
    let pause = 25
    for (;;) {
      const claimed = await claimToken(ctx.store, {
        tokenId: row.id,
        owner: this.owner,
        now: ctx.now(),
        leaseMs: this.#options.leaseMs ?? 120_000,
      })
      if (claimed !== undefined) {
        if (claimed.version !== row.version) {
          // Someone stored a newer token since the caller read it: that is the refresh asked for.
          await rescheduleToken(ctx.store, {
            tokenId: claimed.id,
            owner: this.owner,
            nextRefreshAt: claimed.next_refresh_at,
            now: ctx.now(),
          })
          return { outcome: 'joined', token: { ...claimed, lease_owner: null, lease_until: null } }
        }
        return await this.#process(claimed, trigger, true)
      }
      const current = await getTokenById(ctx.store, row.id)
      if (current === undefined) return { outcome: 'skipped' }
      if (current.version !== row.version) return { outcome: 'joined', token: current }
      const account = await getAccount(ctx.store, current.account_id)
      if (account?.status !== 'active') return { outcome: 'skipped', token: current }
      if (current.last_error_at !== null && current.last_error_at >= startedAt) {
        // The holder tried and failed: its error is ours too; do not call Meta again at once.
        return {
          outcome: 'failed',
          token: current,
          error: new BrokerErrorLike(current.last_error_code, current.last_error_message),
        }
      }
      if (Date.now() > deadline) {
        return {
          outcome: 'deferred',
          token: current,
          error: new BrokerErrorLike('busy', 'another refresh of this token is still running'),
        }
      }
      await sleep(pause)
      pause = Math.min(pause * 2, 500)
    }
  }

  async #process(row: TokenRow, trigger: RefreshTrigger, force: boolean): Promise<RefreshResult> {
    const ctx = this.#ctx
    const now = ctx.now()
    const account = await getAccount(ctx.store, row.account_id)
    if (account?.status !== 'active') {
      await rescheduleToken(ctx.store, {
        tokenId: row.id,
        owner: this.owner,
        nextRefreshAt: null,
        now,
      })
      return this.#done({ outcome: 'skipped', token: row }, trigger)
    }
    const policy = this.#options.policy ?? {}
    let decision = decideRefresh(
      { kind: row.kind, issuedAt: row.issued_at, expiresAt: row.expires_at },
      now,
      policy,
    )
    if (force && (decision.action === 'wait' || decision.action === 'warn')) {
      decision = ctx.meta.flavor.refreshable ? { action: 'refresh' } : decision
    }
    switch (decision.action) {
      case 'none':
        await rescheduleToken(ctx.store, {
          tokenId: row.id,
          owner: this.owner,
          nextRefreshAt: null,
          now,
        })
        return this.#done({ outcome: 'skipped', token: row }, trigger)
      case 'wait':
        await rescheduleToken(ctx.store, {
          tokenId: row.id,
          owner: this.owner,
          nextRefreshAt: decision.until,
          now,
        })
        return this.#done({ outcome: 'deferred', token: row }, trigger)
      case 'expire':
        return this.#expire(row, account, trigger)
      case 'warn':
        await this.#warn(row, account, now)
        await rescheduleToken(ctx.store, {
          tokenId: row.id,
          owner: this.owner,
          nextRefreshAt: decision.nextAt,
          now,
        })
        return this.#done({ outcome: 'warned', token: row }, trigger)
      case 'inspect':
      case 'refresh': {
        if (trigger === 'schedule') {
          const blocked = this.throttle.blockedUntil(accountThrottleKey(account))
          if (blocked > now) {
            // Spread the resumption a little so that a released gate is not hit by everyone at once.
            const at = blocked + Math.floor(this.#random() * 30_000)
            await rescheduleToken(ctx.store, {
              tokenId: row.id,
              owner: this.owner,
              nextRefreshAt: row.expires_at === null ? at : Math.min(at, row.expires_at - 60_000),
              now,
            })
            return this.#done({ outcome: 'deferred', token: row }, trigger)
          }
        }
        // A claimed row may have waited in the engine's queue until its lease ran out and another
        // process took it: renew the lease right before calling Meta, and step aside when it is
        // someone else's now or the token changed meanwhile, so Meta is never called twice.
        // A lease with more than half its time left is still ours whatever happens meanwhile
        // (nobody may claim before it lapses, and a Meta call is bounded by its timeout), so the
        // renewal, one more write per refresh, is needed only for rows that waited long.
        const leaseMs = this.#options.leaseMs ?? 120_000
        const checkedAt = ctx.now()
        const fresh =
          row.lease_owner === this.owner && (row.lease_until ?? 0) - checkedAt > leaseMs / 2
        const held = fresh
          ? row
          : await claimToken(ctx.store, {
              tokenId: row.id,
              owner: this.owner,
              now: checkedAt,
              leaseMs,
            })
        if (held === undefined) return this.#done({ outcome: 'skipped', token: row }, trigger)
        if (held.version !== row.version) {
          await releaseLease(ctx.store, { tokenId: row.id, owner: this.owner })
          return this.#done({ outcome: 'skipped', token: held }, trigger)
        }
        return decision.action === 'inspect'
          ? this.#inspect(held, account, trigger)
          : this.#refresh(held, account, trigger)
      }
    }
  }

  async #refresh(
    row: TokenRow,
    account: AccountRow,
    trigger: RefreshTrigger,
  ): Promise<RefreshResult> {
    const ctx = this.#ctx
    const current = openToken(ctx.keyring, row).plaintext
    let refreshed
    try {
      refreshed = await ctx.meta.refreshLongLivedToken(current, {
        issuedAt: row.issued_at,
        ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
      })
    } catch (error) {
      return this.#failed(row, account, error, trigger)
    }
    const now = ctx.now()
    const sameToken = refreshed.accessToken === current
    // The new token and its event are committed together: one write instead of two, and never a
    // stored refresh without its line in the account's log.
    const saved = await ctx.store.db.transaction().execute(async (trx) => {
      const tx = { db: trx, dialect: ctx.store.dialect }
      const result = await recordRefreshSuccess(tx, ctx.keyring, {
        tokenId: row.id,
        expectedVersion: row.version,
        accessToken: refreshed.accessToken,
        issuedAt: now,
        expiresAt: refreshed.expiresAt,
        nextRefreshAt: nextRefreshAt(
          { kind: row.kind, issuedAt: now, expiresAt: refreshed.expiresAt },
          this.#random(),
          this.#options.policy,
        ),
        now,
      })
      if (result.saved) {
        await appendEvent(tx, {
          type: 'token.refreshed',
          accountId: account.id,
          metaUserId: account.meta_user_id,
          detail: {
            trigger,
            kind: row.kind,
            expires_at: refreshed.expiresAt,
            same_token: sameToken,
          },
          now,
        })
      }
      return result
    })
    if (!saved.saved) {
      // A newer token was stored while we asked Meta (our lease had run out): it wins.
      const latest = await getTokenById(ctx.store, row.id)
      return this.#done(
        latest === undefined ? { outcome: 'skipped' } : { outcome: 'joined', token: latest },
        trigger,
      )
    }
    await this.#publish('token.refreshed', account, now, {
      kind: row.kind,
      expires_at: iso(refreshed.expiresAt),
      same_token: sameToken,
      trigger,
    })
    return this.#done({ outcome: 'refreshed', token: saved.token }, trigger)
  }

  async #inspect(
    row: TokenRow,
    account: AccountRow,
    trigger: RefreshTrigger,
  ): Promise<RefreshResult> {
    const ctx = this.#ctx
    let inspection
    try {
      inspection = await ctx.meta.inspectToken(openToken(ctx.keyring, row).plaintext)
    } catch (error) {
      return this.#failed(row, account, error, trigger)
    }
    this.throttle.observe(inspection.usage)
    const now = ctx.now()
    if (!inspection.isValid) {
      return this.#needsReauth(row, account, trigger, now, {
        meta_code: inspection.error?.code ?? null,
        meta_subcode: inspection.error?.subcode ?? null,
        reason: 'debug_token says the token is no longer valid',
      })
    }
    await rescheduleToken(ctx.store, {
      tokenId: row.id,
      owner: this.owner,
      nextRefreshAt: nextRefreshAt(
        { kind: row.kind, issuedAt: now, expiresAt: row.expires_at },
        this.#random(),
        this.#options.policy,
      ),
      now,
    })
    return this.#done({ outcome: 'checked', token: row }, trigger)
  }

  async #failed(
    row: TokenRow,
    account: AccountRow,
    error: unknown,
    trigger: RefreshTrigger,
  ): Promise<RefreshResult> {
    const ctx = this.#ctx
    const now = ctx.now()
    if (error instanceof BrokerError && error.code === IGB_TOKEN_EXPIRED) {
      return this.#expire(row, account, trigger)
    }
    if (
      (error instanceof MetaApiError || error instanceof BrokerError) &&
      (error.action === 'reauthorize' || error.action === 'permission')
    ) {
      return this.#needsReauth(
        row,
        account,
        trigger,
        now,
        {
          meta_code: error instanceof MetaApiError ? error.code : null,
          meta_subcode: error instanceof MetaApiError ? error.subcode : null,
          reason: error instanceof MetaApiError ? error.action : error.code,
        },
        error,
      )
    }
    if (error instanceof BrokerError && error.code === IGB_REFRESH_TOO_EARLY) {
      await rescheduleToken(ctx.store, {
        tokenId: row.id,
        owner: this.owner,
        nextRefreshAt: Math.max(row.issued_at + DAY, now + 1),
        now,
      })
      return this.#done({ outcome: 'deferred', token: row, error }, trigger)
    }
    this.throttle.penalize(error, accountThrottleKey(account))
    const retryAfter =
      error instanceof MetaApiError || error instanceof BrokerError
        ? (error.retryAfterMs ?? null)
        : null
    let next = retryAt(
      { kind: row.kind, issuedAt: row.issued_at, expiresAt: row.expires_at },
      row.attempts + 1,
      now,
      this.#random(),
      retryAfter,
      this.#options.policy,
    )
    // An on-demand attempt on a token that was not yet due must not pull its schedule forward.
    if (next !== null && trigger !== 'schedule' && row.next_refresh_at !== null) {
      next = Math.max(next, row.next_refresh_at)
    }
    const code = errorCode(error)
    const updated = await recordRefreshFailure(ctx.store, {
      tokenId: row.id,
      owner: this.owner,
      errorCode: code,
      errorMessage: error instanceof Error ? error.message : 'unknown failure',
      nextRefreshAt: next,
      now,
    })
    await appendEvent(ctx.store, {
      type: 'token.refresh_failed',
      accountId: account.id,
      metaUserId: account.meta_user_id,
      detail: {
        trigger,
        kind: row.kind,
        error: code,
        attempts: row.attempts + 1,
        next_attempt_at: next,
      },
      now,
    })
    if (
      isExpiring({ expiresAt: row.expires_at }, now, this.#options.expiringWithinMs ?? 7 * DAY) &&
      !(await this.#warnedSince(account.id, row.issued_at))
    ) {
      await this.#warn(row, account, now)
    }
    return this.#done({ outcome: 'failed', ...(updated ? { token: updated } : {}), error }, trigger)
  }

  async #needsReauth(
    row: TokenRow,
    account: AccountRow,
    trigger: RefreshTrigger,
    now: number,
    detail: { meta_code: number | null; meta_subcode: number | null; reason: string },
    error?: unknown,
  ): Promise<RefreshResult> {
    const ctx = this.#ctx
    await recordRefreshFailure(ctx.store, {
      tokenId: row.id,
      owner: this.owner,
      errorCode: error === undefined ? 'invalid_token' : errorCode(error),
      errorMessage: error instanceof Error ? error.message : detail.reason,
      nextRefreshAt: null,
      now,
    })
    await setAccountStatus(ctx.store, account.id, 'needs_reauth', detail.reason, now)
    await unscheduleAccountTokens(ctx.store, account.id, now)
    await appendEvent(ctx.store, {
      type: 'account.needs_reauth',
      accountId: account.id,
      metaUserId: account.meta_user_id,
      detail: { trigger, meta_code: detail.meta_code, meta_subcode: detail.meta_subcode },
      now,
    })
    await this.#publish('account.needs_reauth', { ...account, status: 'needs_reauth' }, now, {
      reason: detail.reason,
      meta_code: detail.meta_code,
      meta_subcode: detail.meta_subcode,
      reconnect_url: `${ctx.publicUrl}/connect`,
    })
    return this.#done({ outcome: 'needs_reauth', token: row, error }, trigger)
  }

  async #expire(
    row: TokenRow,
    account: AccountRow,
    trigger: RefreshTrigger,
  ): Promise<RefreshResult> {
    const ctx = this.#ctx
    const now = ctx.now()
    await rescheduleToken(ctx.store, {
      tokenId: row.id,
      owner: this.owner,
      nextRefreshAt: null,
      now,
    })
    // A Facebook user token may run out while the Page token it produced keeps working; only the
    // token the account is served with decides the account's status.
    const served = row.kind === SERVED_TOKEN_KIND[ctx.flavor]
    if (served) {
      await setAccountStatus(
        ctx.store,
        account.id,
        'expired',
        'the token expired before it was refreshed',
        now,
      )
    }
    await appendEvent(ctx.store, {
      type: served ? 'account.expired' : 'token.expired',
      accountId: account.id,
      metaUserId: account.meta_user_id,
      detail: { trigger, kind: row.kind, expires_at: row.expires_at },
      now,
    })
    if (served) {
      await this.#publish('account.expired', { ...account, status: 'expired' }, now, {
        kind: row.kind,
        expires_at: iso(row.expires_at),
        reconnect_url: `${ctx.publicUrl}/connect`,
      })
    }
    return this.#done(
      {
        outcome: 'expired',
        token: row,
        error: new BrokerErrorLike('expired', 'the token has expired'),
      },
      trigger,
    )
  }

  async #warn(row: TokenRow, account: AccountRow, now: number): Promise<void> {
    await appendEvent(this.#ctx.store, {
      type: 'token.expiring',
      accountId: account.id,
      metaUserId: account.meta_user_id,
      detail: {
        kind: row.kind,
        expires_at: row.expires_at,
        refreshable: this.#ctx.meta.flavor.refreshable,
      },
      now,
    })
    await this.#publish('token.expiring', account, now, {
      kind: row.kind,
      expires_at: iso(row.expires_at),
      refreshable: this.#ctx.meta.flavor.refreshable,
      reconnect_url: `${this.#ctx.publicUrl}/connect`,
    })
  }

  async #warnedSince(accountId: string, since: number): Promise<boolean> {
    const row = await this.#ctx.store.db
      .selectFrom('events')
      .select('id')
      .where('account_id', '=', accountId)
      .where('created_at', '>=', since)
      .where('type', '=', 'token.expiring')
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  async #publish(
    type: WebhookEventType,
    account: AccountRow,
    now: number,
    data: WebhookEventData,
  ): Promise<void> {
    await publishWebhookEvent(this.#ctx.store, { type, account, data, now }, this.#options.onError)
  }

  #done(result: RefreshResult, trigger: RefreshTrigger): RefreshResult {
    this.#options.onOutcome?.(result.outcome, trigger)
    return result
  }
}

/** A failure reported by another holder of the lease, rebuilt from what it stored. */
export class BrokerErrorLike extends Error {
  override name = 'RefreshFailure'
  /** The stored error code (`meta_2`, `IGB_TIMEOUT`, …). */
  readonly code: string
  /**
   * @param code - stored error code
   * @param message - stored (redacted) message
   */
  constructor(code: string | null, message: string | null) {
    super(message ?? 'the refresh failed')
    this.code = code ?? 'unknown'
  }
}

function errorCode(error: unknown): string {
  if (error instanceof MetaApiError) return `meta_${error.code ?? error.status}`
  if (error instanceof BrokerError) return error.code
  return 'internal'
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
