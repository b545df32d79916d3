import type { FlavorName } from '../meta/index.js'
import { accountTokenReader, openToken, setAccountStatus } from '../store/index.js'
import type { AccountRow, AccountWithToken, TokenKind, TokenRow } from '../store/index.js'
import { ExpiringCache, SingleFlight } from './cache/index.js'
import type { BrokerContext } from './context.js'
import type { Change } from './effects/change-hub.js'
import { inTransaction } from './effects/transaction.js'
import { TokenRefresher } from './refresh-token.js'
import type { RefreshOutcome, RefreshResult, RefreshTrigger } from './refresh-token.js'
import { metaFailure } from './meta-failure.js'
import { safeEqual } from './secrets.js'
import { mayRefresh, retryPending } from './refresh-policy.js'
import { ServiceError } from './service-error.js'
import { accountThrottleKey, refuseWhileThrottled } from './throttle.js'
import { SERVED_TOKEN_KIND, USER_TOKEN_KIND } from './token-kinds.js'

/**
 * The longest a token read waits for Meta (docs/token-api.md): a valid token is served at once and
 * refreshed in the background; only a read that needs the refresh (the stored token has expired)
 * waits, and after this long it is answered `busy` (503, `Retry-After`) while the refresh goes on.
 */
export const READ_WAIT_MS = 2_000

/** A token as the API serves it to apps. */
export interface ServedToken {
  readonly accessToken: string
  /** Epoch ms, or null when the token never expires. */
  readonly expiresAt: number | null
  readonly accountId: string
  /** The Instagram user id apps call the Graph API with. */
  readonly userId: string
}

export type { RefreshTrigger } from './refresh-token.js'

/** Options of {@link TokenService}. */
export interface TokenServiceOptions {
  /** How long a decrypted token may be served from memory. 0 = never cached. */
  readonly cacheMs: number
  /** At most this many cached tokens (least recently stored are evicted first). */
  readonly cacheMax?: number
  /**
   * The refresh routine shared with the refresh engine, so on-demand and scheduled refreshes of
   * one account coalesce into one call to Meta (in this process and, through the token's lease,
   * across processes). Default: a routine of this service's own.
   */
  readonly refresher?: TokenRefresher
  /** Told about every refresh attempt's outcome (metrics); used only by the default routine. */
  readonly onRefresh?: (outcome: RefreshOutcome, trigger: RefreshTrigger) => void
}

/**
 * Serves fresh tokens and refreshes them on demand. Refreshes go through the shared
 * {@link TokenRefresher}: concurrent refreshes of one account in this process share one call to
 * Meta, and one running in another process (holding the token's lease) is waited for, not doubled.
 * The stored token's version makes a late refresh harmless (the newer token wins).
 *
 * Decrypted tokens may be kept in memory for `cacheMs` (bounded by `cacheMax`). The cache listens
 * to `ctx.changes`: a change of the account, committed by this process or (through the store's
 * change watcher) by another one, drops its token at once.
 */
export class TokenService {
  readonly #ctx: BrokerContext
  readonly #refreshes = new SingleFlight<string, ServedToken>()
  readonly #refresher: TokenRefresher
  readonly #cache: ExpiringCache<string, ServedToken>

  readonly #read: (accountId: string, kind: TokenKind) => Promise<AccountWithToken | undefined>

  constructor(ctx: BrokerContext, options: TokenServiceOptions) {
    this.#ctx = ctx
    this.#cache = new ExpiringCache({
      maxEntries: options.cacheMax ?? 10_000,
      ttlMs: Math.max(0, options.cacheMs),
      now: ctx.now,
    })
    ctx.changes.subscribe((change) => {
      this.#forget(change)
    })
    this.#read = accountTokenReader(ctx.store)
    this.#refresher =
      options.refresher ??
      new TokenRefresher(ctx, {
        ...(options.onRefresh === undefined ? {} : { onOutcome: options.onRefresh }),
      })
  }

  /** The refresher this service refreshes with (its throttle and lease), for the Graph proxy. */
  get refresher(): TokenRefresher {
    return this.#refresher
  }

  /**
   * A valid token for an active account, refreshed first when it is within the configured window
   * of expiry and Meta allows a refresh.
   *
   * @throws {ServiceError} `not_found`, `needs_reauth`/`account_inactive` (409), `meta_error` (502)
   */
  async getToken(accountId: string): Promise<ServedToken> {
    // A cached token is served as is (a refresh due on read starts when the entry is reloaded);
    // concurrent reads of an uncached account share one query and one decryption.
    const served = await this.#cache.load(accountId, () => this.#current(accountId))
    if (served === undefined) throw new ServiceError('not_found', 'no account has this id')
    return served
  }

  /**
   * The token {@link getToken} would answer from memory right now, or undefined when it would
   * have to load or wait: the token API's lean path answers only such reads.
   */
  peek(accountId: string): ServedToken | undefined {
    return this.#cache.get(accountId)
  }

  async #current(accountId: string): Promise<ServedToken> {
    const now = this.#ctx.now()
    const { account, row } = await this.#load(accountId)
    const served = this.#open(account, row)
    const valid = served.expiresAt === null || served.expiresAt > now
    const refreshable = mayRefresh({ kind: row.kind, issuedAt: row.issued_at }, now)
    if (valid) {
      // The reader gets the working token now; the refresh, when it may run, runs behind it.
      if (this.#dueOnRead(served, now) && refreshable && this.#mayCallNow(account, row, now)) {
        this.refresh(accountId, 'api').catch(() => undefined)
      }
      return served
    }
    if (refreshable) return this.#bounded(this.refresh(accountId, 'api'))
    await inTransaction(this.#ctx, async (unit) => {
      await setAccountStatus(
        unit.store,
        account.id,
        'expired',
        'the token expired before it was refreshed',
        now,
      )
      unit.invalidate({ kind: 'account', accountId: account.id })
    })
    throw new ServiceError(
      'account_inactive',
      "the account's token has expired; connect the account again",
    )
  }

  /**
   * Whether a refresh on read may call Meta now: not while the last failure's backoff runs
   * (`next_refresh_at` after an error), another process holds the token's lease, or Meta asked us
   * to slow down. So a failing or throttled Meta is not called on every read.
   */
  #mayCallNow(account: AccountRow, row: TokenRow, now: number): boolean {
    if (retryPending({ lastErrorAt: row.last_error_at, nextRefreshAt: row.next_refresh_at }, now)) {
      return false
    }
    if (this.#heldElsewhere(row, now)) return false
    return this.#refresher.throttle.blockedUntil(accountThrottleKey(account)) <= now
  }

  #heldElsewhere(row: TokenRow, now: number): boolean {
    return (
      row.lease_owner !== null &&
      row.lease_owner !== this.#refresher.owner &&
      row.lease_until !== null &&
      row.lease_until > now
    )
  }

  /** A refresh a reader waits for, at most {@link READ_WAIT_MS}; it goes on after that. */
  async #bounded(refresh: Promise<ServedToken>): Promise<ServedToken> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new ServiceError('busy', 'the token is being refreshed; try again in a moment', {
            retryAfterSeconds: Math.ceil(READ_WAIT_MS / 1000),
          }),
        )
      }, READ_WAIT_MS)
    })
    refresh.catch(() => undefined)
    try {
      return await Promise.race([refresh, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Refreshes an account's token now (Instagram flavors). Joins a refresh already running in this
   * process for the same account.
   *
   * @throws {ServiceError} as {@link getToken}; on a 190-family error the account becomes `needs_reauth`
   */
  refresh(accountId: string, trigger: RefreshTrigger): Promise<ServedToken> {
    return this.#refreshes.run(accountId, () => this.#refresh(accountId, trigger))
  }

  /**
   * Tells the service Meta refused the token it served, on a read of Meta's data (a feed). When
   * Meta says the token is dead (190 family) and it is still the stored one, the account becomes
   * `needs_reauth` through the refresh's one rule ({@link TokenRefresher.settleRefusal}): the same
   * status, event and webhooks as a refused refresh. Any other failure changes nothing.
   * @param served - the token the read used
   * @param error - what the read threw
   */
  async reportRefused(served: ServedToken, error: unknown): Promise<void> {
    if (metaFailure(error).code !== 'needs_reauth') return
    const found = await this.#read(served.accountId, SERVED_TOKEN_KIND[this.#ctx.flavor])
    const row = found?.token
    if (row === undefined || found?.account.status !== 'active') return
    // A token refreshed since it was served is not the one Meta refused.
    if (!safeEqual(openToken(this.#ctx.keyring, row).plaintext, served.accessToken)) return
    await this.#refresher.settleRefusal(row, error, 'read')
    this.#cache.delete(served.accountId)
  }

  #forget(change: Change): void {
    if (change.kind === 'account') this.#cache.delete(change.accountId)
    else if (change.kind === 'all') this.#cache.clear()
  }

  async #refresh(accountId: string, trigger: RefreshTrigger): Promise<ServedToken> {
    const ctx = this.#ctx
    const { account, row } = await this.#load(accountId)
    const flavor = ctx.meta.flavor
    if (!flavor.refreshable || row.kind !== USER_TOKEN_KIND[ctx.flavor]) {
      throw new ServiceError(
        'invalid_request',
        `${flavor.title} tokens have no refresh grant; they are kept until they expire`,
      )
    }
    const now = ctx.now()
    if (this.#heldElsewhere(row, now)) {
      // Another process holds the lease (refreshing, or dead until its lease runs out): say so
      // instead of waiting for it.
      throw new ServiceError('busy', 'another process is refreshing this token; try again later', {
        retryAfterSeconds: Math.max(1, Math.ceil(((row.lease_until ?? now) - now) / 1000)),
      })
    }
    if (trigger === 'api') refuseWhileThrottled(this.#refresher.throttle, account, now)
    const result = await this.#refresher.refreshNow(row, trigger)
    this.#cache.delete(accountId)
    return this.#served(account, result)
  }

  async #served(account: AccountRow, result: RefreshResult): Promise<ServedToken> {
    switch (result.outcome) {
      case 'refreshed':
      case 'joined': {
        const latest = await this.#load(account.id)
        const served = this.#open(latest.account, latest.row)
        this.#cache.set(account.id, served)
        return served
      }
      case 'needs_reauth':
      case 'expired':
      case 'skipped':
        // #load says what the account has become (needs_reauth, expired, gone).
        await this.#load(account.id)
        throw refreshFailure(result.error, this.#ctx.flavor)
      default:
        throw refreshFailure(result.error, this.#ctx.flavor)
    }
  }

  async #load(accountId: string): Promise<{ account: AccountRow; row: TokenRow }> {
    const found = await this.#read(accountId, SERVED_TOKEN_KIND[this.#ctx.flavor])
    if (found === undefined) throw new ServiceError('not_found', 'no account has this id')
    const { account, token: row } = found
    if (account.status === 'needs_reauth') {
      throw new ServiceError(
        'needs_reauth',
        "Meta no longer accepts this account's token; the person must connect it again",
      )
    }
    if (account.status !== 'active') {
      throw new ServiceError(
        'account_inactive',
        `the account is ${account.status}; connect it again`,
      )
    }
    if (row === undefined)
      throw new ServiceError('account_inactive', 'the account has no token; connect it again')
    return { account, row }
  }

  #open(account: AccountRow, row: TokenRow): ServedToken {
    return {
      accessToken: openToken(this.#ctx.keyring, row).plaintext,
      expiresAt: row.expires_at,
      accountId: account.id,
      userId: account.ig_user_id ?? account.meta_user_id,
    }
  }

  #dueOnRead(token: ServedToken, now: number): boolean {
    return token.expiresAt !== null && token.expiresAt - now < this.#ctx.refreshOnReadWithinMs
  }
}

function refreshFailure(error: unknown, flavor: FlavorName): ServiceError {
  return metaFailure(error, { step: 'refresh', flavor })
}
