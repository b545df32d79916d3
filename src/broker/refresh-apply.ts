import {
  getTokenById,
  recordRefreshFailure,
  recordRefreshSuccess,
  rescheduleToken,
  setAccountStatus,
  unscheduleAccountTokens,
} from '../store/index.js'
import type { AccountRow, StoreContext, TokenRow } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { inTransaction } from './effects/transaction.js'
import type { RefreshAction, RefreshResult, Settled } from './refresh-decide.js'

/** Thrown inside the transaction when the token's own write finds the lease no longer ours. */
class Fenced extends Error {}

/** Who applies a decision, and what only the caller may hold. */
export interface ApplyInput {
  /** The lease owner: every token write is fenced by it. */
  readonly owner: string
  /** The token as leased: its version is the one the refresh started from. */
  readonly row: TokenRow
  /** The account, or undefined when it is gone (then the decision writes only the token row). */
  readonly account: AccountRow | undefined
  /** The token Meta answered with, for a `store` action (never part of a decision). */
  readonly accessToken?: string
  /** The instant the decision was made for. */
  readonly now: number
}

/**
 * Performs a settled decision's writes in one transaction: the token row's write, fenced by the
 * lease (and, for a new token, by the version the refresh started from), then the account's
 * status and the effects (event and webhooks, through the outbox). When the fence holds no longer
 * — another process took the lease or stored a newer token — nothing at all is written. After the
 * commit the account's change reaches this process's caches (`ctx.changes`).
 * @param ctx - the broker context
 * @param decision - what `decide` settled on
 * @param input - see {@link ApplyInput}
 * @returns the decision's outcome, or `joined`/`skipped` when the fence held no longer
 */
export async function applyDecision(
  ctx: Pick<BrokerContext, 'store' | 'keyring' | 'changes' | 'now'>,
  decision: Settled,
  input: ApplyInput,
): Promise<RefreshResult> {
  const error = decision.error === undefined ? {} : { error: decision.error }
  try {
    const token = await inTransaction(ctx, async (unit) => {
      let token = input.row
      let account = input.account
      for (const action of decision.actions) {
        if (action.type === 'reschedule' || action.type === 'store' || action.type === 'fail') {
          token = await writeToken(ctx, unit.store, action, input)
          continue
        }
        if (account === undefined) throw new TypeError(`"${action.type}" needs an account`)
        if (action.type === 'record') {
          await unit.record({ type: action.event, account, data: action.data })
        } else if (action.type === 'status') {
          await setAccountStatus(unit.store, account.id, action.status, action.reason, input.now)
          account = { ...account, status: action.status }
        } else {
          await unscheduleAccountTokens(unit.store, account.id, input.now)
        }
      }
      return token
    })
    return { outcome: decision.outcome, token, ...error }
  } catch (caught) {
    if (!(caught instanceof Fenced)) throw caught
    return fencedOut(ctx, input.row)
  }
}

/**
 * The result of a refresh whose write found the fence gone: `joined` when someone stored a newer
 * token (it is the refresh asked for), `skipped` when the lease was lost with the token unchanged.
 * @param ctx - the store
 * @param row - the row as leased
 */
export async function fencedOut(
  ctx: Pick<BrokerContext, 'store'>,
  row: TokenRow,
): Promise<RefreshResult> {
  const latest = await getTokenById(ctx.store, row.id)
  if (latest === undefined) return { outcome: 'skipped' }
  return { outcome: latest.version === row.version ? 'skipped' : 'joined', token: latest }
}

/** The token row's own write, fenced: throws {@link Fenced} when the lease is not ours. */
async function writeToken(
  ctx: Pick<BrokerContext, 'keyring'>,
  store: StoreContext,
  action: Extract<RefreshAction, { type: 'reschedule' | 'store' | 'fail' }>,
  input: ApplyInput,
): Promise<TokenRow> {
  const { owner, row, now } = input
  switch (action.type) {
    case 'reschedule': {
      const next = { tokenId: row.id, owner, nextRefreshAt: action.nextRefreshAt, now }
      if (!(await rescheduleToken(store, next))) throw new Fenced()
      return row
    }
    case 'store': {
      if (input.accessToken === undefined) throw new TypeError('a store action needs the token')
      const saved = await recordRefreshSuccess(store, ctx.keyring, {
        tokenId: row.id,
        owner,
        expectedVersion: row.version,
        accessToken: input.accessToken,
        issuedAt: action.issuedAt,
        expiresAt: action.expiresAt,
        nextRefreshAt: action.nextRefreshAt,
        now,
      })
      if (!saved.saved) throw new Fenced()
      return saved.token
    }
    case 'fail': {
      const failed = await recordRefreshFailure(store, {
        tokenId: row.id,
        owner,
        errorCode: action.errorCode,
        errorMessage: action.errorMessage,
        nextRefreshAt: action.nextRefreshAt,
        now,
      })
      if (failed === undefined) throw new Fenced()
      return failed
    }
  }
}
