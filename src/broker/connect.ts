import {
  consumeConnectAttempt,
  createConnectAttempt,
  setConnectAttemptOutcome,
} from '../store/index.js'
import { splitScopes } from '../store/index.js'
import type { ConsumeRefusal } from '../store/index.js'
import { completeLogin } from './complete-login.js'
import type { BrokerContext } from './context.js'
import { metaFailure } from './meta-failure.js'
import { checkReturnTo } from './return-to.js'
import { saveConnectedAccount } from './save-connected-account.js'
import type { SavedAccount } from './save-connected-account.js'
import { randomSecret } from './secrets.js'
import { ServiceError } from './service-error.js'
import type { ServiceErrorCode } from './service-error.js'

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
  /** The connect link this login uses (set by `startLinkConnect`, never from a query). */
  readonly connectLinkId?: string | undefined
}

const LABEL_PATTERN = /^[\p{L}\p{N} _.@-]{1,100}$/u
const SCOPE_PATTERN = /^[a-z_]{1,100}$/

/**
 * The rule for an account's label given at connect (or on a connect link): 1 to 100 letters,
 * digits, spaces or `_.@-`; empty means none.
 * @throws {ServiceError} `invalid_request`
 */
export function checkConnectLabel(label: string | undefined): string | null {
  if (label === undefined || label === '') return null
  if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
    throw new ServiceError(
      'invalid_request',
      '"label" must be 1 to 100 letters, digits, spaces or _.@-',
    )
  }
  return label
}

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
  const returnTo = checkReturnTo(request.returnTo, ctx.publicUrl, ctx.returnOrigins) ?? null
  const scopes = request.scopes ?? ctx.scopes
  if (scopes !== undefined && !scopes.every((s) => SCOPE_PATTERN.test(s))) {
    throw new ServiceError(
      'invalid_request',
      '"scopes" must be scope names such as instagram_business_basic',
    )
  }
  const label = checkConnectLabel(request.label)
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
    connectLinkId: request.connectLinkId ?? null,
    now: ctx.now(),
    ttlMs: ctx.connectStateTtlMs,
  })
  return { authorizationUrl, browserBinding }
}

/** The result of a completed connect. */
export interface ConnectedAccount extends SavedAccount {
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
 * Completes a connect flow from Meta's redirect: checks and uses up `state`, then signs in with
 * the code ({@link completeLogin}) and stores the account through the one writer
 * ({@link saveConnectedAccount}), as `igtoken login --save` does. Connecting the same Meta user
 * again replaces its token; it never makes a duplicate. Failures are translated by `metaFailure`.
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
    const { code } = ctx.meta.parseRedirect(query, { expectedState: state })
    const requested = attempt.scopes === '' ? ctx.scopes : splitScopes(attempt.scopes)
    const login = await completeLogin(ctx.meta, code, {
      ...(requested === undefined ? {} : { requestedScopes: requested }),
      now: ctx.now,
    })
    const saved = await saveConnectedAccount(ctx, login, {
      label: attempt.label,
      via: 'connect',
      connectLinkId: attempt.connect_link_id,
    })
    await setConnectAttemptOutcome(ctx.store, attempt.id, 'connected')
    return { ...saved, expiresAt: login.userToken.expiresAt, returnTo: attempt.return_to }
  } catch (error) {
    const failure = metaFailure(error, {
      step: 'sign-in',
      flavor: ctx.flavor,
      redirectUri: ctx.redirectUri,
    })
    await setConnectAttemptOutcome(
      ctx.store,
      attempt.id,
      failure.code === 'authorization_denied' ? 'denied' : `failed:${failure.code}`,
    )
    throw failure
  }
}
