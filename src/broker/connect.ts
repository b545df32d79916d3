import { randomInt } from 'node:crypto'
import { AuthorizationDeniedError, BrokerError, MetaApiError } from '../meta/index.js'
import type { FacebookPage } from '../meta/index.js'
import {
  appendEvent,
  consumeConnectAttempt,
  createConnectAttempt,
  getAccount,
  saveToken,
  setConnectAttemptOutcome,
  upsertAccount,
} from '../store/index.js'
import type { AccountRow, ConsumeRefusal, TokenKind } from '../store/index.js'
import type { BrokerContext } from './context.js'
import { nextRefreshAt } from './refresh-policy.js'
import { checkReturnTo } from './return-to.js'
import { randomSecret } from './secrets.js'
import { ServiceError } from './service-error.js'
import type { ServiceErrorCode } from './service-error.js'
import { publishWebhookEvent } from './webhooks/webhook-publisher.js'

/** What {@link startConnect} hands the HTTP layer. */
export interface StartedConnect {
  /** Meta's login dialog, to redirect the browser to. */
  readonly authorizationUrl: string
  /** The value of the browser-binding cookie: the callback must come back with it. */
  readonly browserBinding: string
}

/** Options a person (or an app linking to /connect) may give. */
export interface ConnectRequest {
  readonly returnTo?: string | undefined
  readonly scopes?: readonly string[] | undefined
  readonly label?: string | undefined
}

const LABEL_PATTERN = /^[\p{L}\p{N} _.@-]{1,100}$/u
const SCOPE_PATTERN = /^[a-z_]{1,100}$/

/**
 * Starts a connect flow: a random single-use `state` (stored hashed, bound to the browser by a
 * second random value for an HttpOnly cookie) and the flavor's authorization URL.
 *
 * @throws {ServiceError} `return_to_refused` or `invalid_request` for bad options; nothing stored
 */
export async function startConnect(
  ctx: BrokerContext,
  request: ConnectRequest,
): Promise<StartedConnect> {
  const returnTo = checkReturnTo(request.returnTo, ctx.publicUrl) ?? null
  const scopes = request.scopes ?? ctx.scopes
  if (scopes !== undefined && !scopes.every((s) => SCOPE_PATTERN.test(s))) {
    throw new ServiceError(
      'invalid_request',
      '"scopes" must be scope names such as instagram_business_basic',
    )
  }
  const label = request.label === undefined || request.label === '' ? null : request.label
  if (label !== null && !LABEL_PATTERN.test(label)) {
    throw new ServiceError(
      'invalid_request',
      '"label" must be 1 to 100 letters, digits, spaces or _.@-',
    )
  }
  const state = randomSecret()
  const browserBinding = randomSecret()
  // Build the URL first: an unknown scope or option fails here, before anything is stored.
  const authorizationUrl = ctx.meta.buildAuthorizationUrl({
    state,
    ...(scopes === undefined ? {} : { scopes }),
  })
  await createConnectAttempt(ctx.store, {
    state,
    browserBinding,
    flavor: ctx.flavor,
    returnTo,
    scopes: scopes ?? [],
    label,
    now: ctx.now(),
    ttlMs: ctx.connectStateTtlMs,
  })
  return { authorizationUrl, browserBinding }
}

/** The result of a completed connect. */
export interface ConnectedAccount {
  readonly account: AccountRow
  readonly created: boolean
  readonly expiresAt: number | null
  readonly returnTo: string | null
}

const REFUSALS: Readonly<Record<ConsumeRefusal, [ServiceErrorCode, string]>> = {
  unknown: ['state_unknown', 'this sign-in link is not one we started; start again'],
  used: ['state_used', 'this sign-in was already completed or tried; start again'],
  expired: ['state_expired', 'this sign-in took too long and expired; start again'],
  browser_mismatch: [
    'browser_mismatch',
    'this sign-in was started in another browser; start again in this one',
  ],
}

/**
 * Completes a connect flow from Meta's redirect: checks and uses up `state`, exchanges the code,
 * upgrades to a long-lived token, reads the profile and upserts the account with its token.
 * Connecting the same Meta user again replaces its token; it never makes a duplicate.
 *
 * @param query - the callback's query parameters
 * @param browserBinding - the cookie set by {@link startConnect}, if the browser sent it
 * @throws {ServiceError} for every failure, with nothing stored beyond the used-up state
 */
export async function completeConnect(
  ctx: BrokerContext,
  query: URLSearchParams,
  browserBinding: string | undefined,
): Promise<ConnectedAccount> {
  const states = query.getAll('state')
  const state = states[0]
  if (state === undefined || state === '' || states.length > 1) {
    throw new ServiceError(
      'state_missing',
      'the sign-in came back without its "state"; start again',
    )
  }
  // Without the cookie nothing can be consumed, but the state still tells a replay (used) or a
  // stale link (expired) from a browser that lost or blocked the cookie.
  const consumed = await consumeConnectAttempt(ctx.store, {
    state,
    browserBinding: browserBinding ?? '',
    now: ctx.now(),
  })
  if (!consumed.ok) {
    if (
      consumed.reason === 'browser_mismatch' &&
      (browserBinding === undefined || browserBinding === '')
    ) {
      throw new ServiceError(
        'cookie_missing',
        'this browser did not send the sign-in cookie (cookies blocked, or another browser); start again',
      )
    }
    const [code, message] = REFUSALS[consumed.reason]
    throw new ServiceError(code, message)
  }
  const attempt = consumed.attempt
  try {
    const result = await connectWithCode(ctx, query, state, attempt.label)
    await setConnectAttemptOutcome(ctx.store, attempt.id, 'connected')
    return { ...result, returnTo: attempt.return_to }
  } catch (error) {
    const failure = toServiceError(error)
    await setConnectAttemptOutcome(
      ctx.store,
      attempt.id,
      failure.code === 'authorization_denied' ? 'denied' : `failed:${failure.code}`,
    )
    throw failure
  }
}

async function connectWithCode(
  ctx: BrokerContext,
  query: URLSearchParams,
  state: string,
  label: string | null,
): Promise<Omit<ConnectedAccount, 'returnTo'>> {
  const { code } = ctx.meta.parseRedirect(query, { expectedState: state })
  const short = await ctx.meta.exchangeCode(code)
  const long = await ctx.meta.exchangeForLongLivedToken(short.accessToken)
  const issuedAt = ctx.now()

  const tokens: { kind: TokenKind; accessToken: string; expiresAt: number | null }[] = []
  let metaUserId: string
  let igUserId: string | null
  let username: string
  if (ctx.flavor === 'facebook-login') {
    const pages = await ctx.meta.listPages(long.accessToken)
    const page = pickInstagramPage(pages)
    const profile = await ctx.meta.getProfile(long.accessToken, { fields: ['id', 'name'] })
    metaUserId = profile.id
    igUserId = page.instagramBusinessAccount.id
    username = page.instagramBusinessAccount.username ?? page.name
    tokens.push({
      kind: 'facebook_user_long_lived',
      accessToken: long.accessToken,
      expiresAt: long.expiresAt,
    })
    tokens.push({ kind: 'facebook_page', accessToken: page.accessToken, expiresAt: null })
  } else {
    const profile = await ctx.meta.getProfile(long.accessToken)
    // The code exchange names the app-scoped id that Meta's deauthorize and deletion callbacks use.
    metaUserId = short.userId ?? profile.id
    igUserId = profile.userId ?? null
    username = profile.username
    const kind =
      ctx.flavor === 'basic-display' ? 'basic_display_long_lived' : 'instagram_long_lived'
    tokens.push({ kind, accessToken: long.accessToken, expiresAt: long.expiresAt })
  }

  const scopes = short.permissions.length > 0 ? short.permissions : (ctx.scopes ?? [])
  const now = ctx.now()
  const { id, created } = await ctx.store.db.transaction().execute(async (trx) => {
    const tx = { db: trx, dialect: ctx.store.dialect }
    const upserted = await upsertAccount(tx, {
      flavor: ctx.flavor,
      metaUserId,
      igUserId,
      username,
      scopes,
      ...(label === null ? {} : { label }),
      now,
    })
    for (const token of tokens) {
      await saveToken(tx, ctx.keyring, {
        accountId: upserted.id,
        kind: token.kind,
        accessToken: token.accessToken,
        issuedAt,
        expiresAt: token.expiresAt,
        nextRefreshAt: nextRefreshAt(
          { kind: token.kind, issuedAt, expiresAt: token.expiresAt },
          jitter(),
        ),
        expectedVersion: 'any',
        now,
      })
    }
    await appendEvent(tx, {
      type: 'account.connected',
      accountId: upserted.id,
      metaUserId,
      detail: { flavor: ctx.flavor, reconnected: !upserted.created },
      now,
    })
    return upserted
  })
  const account = await getAccount(ctx.store, id)
  if (account === undefined)
    throw new ServiceError('internal', 'the account vanished while it was saved')
  await publishWebhookEvent(ctx.store, {
    type: 'account.connected',
    account,
    data: { flavor: ctx.flavor, reconnected: !created, expires_at: isoOrNull(long.expiresAt) },
    now,
  })
  return { account, created, expiresAt: long.expiresAt }
}

function pickInstagramPage(pages: readonly FacebookPage[]): FacebookPage & {
  instagramBusinessAccount: NonNullable<FacebookPage['instagramBusinessAccount']>
} {
  for (const page of pages) {
    if (page.instagramBusinessAccount !== null) {
      return { ...page, instagramBusinessAccount: page.instagramBusinessAccount }
    }
  }
  throw new ServiceError(
    'code_rejected',
    'none of the Facebook Pages you granted is linked to an Instagram professional account',
  )
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

function jitter(): number {
  return randomInt(0, 1_000_000) / 1_000_000
}

/** Maps anything the connect flow can throw to a page-safe {@link ServiceError}. */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error
  if (error instanceof AuthorizationDeniedError) {
    return new ServiceError(
      'authorization_denied',
      "the sign-in was cancelled on Meta's page; nothing was connected",
    )
  }
  if (error instanceof MetaApiError) {
    if (error.action === 'fix-request' || error.action === 'permission') {
      const hint = error.hint === null ? '' : ` (${error.hint})`
      return new ServiceError(
        'code_rejected',
        `Meta refused the sign-in: ${error.message}${hint}`,
        { cause: error },
      )
    }
    return new ServiceError('meta_error', `Meta answered with an error: ${error.message}`, {
      cause: error,
    })
  }
  if (error instanceof BrokerError) {
    if (error.code === 'IGB_TIMEOUT' || error.code === 'IGB_NETWORK') {
      return new ServiceError(
        'meta_unreachable',
        'Meta could not be reached; try again in a moment',
        { cause: error },
      )
    }
    if (error.code.startsWith('IGB_REDIRECT') || error.code === 'IGB_STATE_MISMATCH') {
      return new ServiceError(
        'invalid_request',
        `the sign-in came back malformed: ${error.message}`,
        { cause: error },
      )
    }
    return new ServiceError('meta_error', `Meta's answer could not be used: ${error.message}`, {
      cause: error,
    })
  }
  return new ServiceError('internal', 'something went wrong on our side', { cause: error })
}
