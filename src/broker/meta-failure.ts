import { AuthorizationDeniedError, BrokerError, MetaApiError, getFlavor } from '../meta/index.js'
import type { FlavorName } from '../meta/index.js'
import { BrokerErrorLike } from './refresh-failure.js'
import { ServiceError } from './service-error.js'
import type { ServiceErrorCode } from './service-error.js'

/**
 * What was being done when Meta failed: it decides the wording (a sign-in is refused, a refresh
 * leaves the stored token unchanged, a feed has no copy to serve) and, for a sign-in, which
 * failures are the sign-in's own fault.
 */
export type MetaFailureStep = 'sign-in' | 'refresh' | 'media' | 'call'

/** Facts {@link metaFailure} words its hints with; all optional. */
export interface MetaFailureContext {
  readonly step?: MetaFailureStep
  readonly flavor?: FlavorName
  /** The redirect URI sent to Meta, named in the fix for an unregistered one. */
  readonly redirectUri?: string
}

// Meta's code-exchange subcodes (Graph dialect): the redirect URI differs from the dialog's; the
// code is expired or used. The Instagram OAuth dialect carries no subcode at all.
const SUBCODE_REDIRECT_URI = 36008
const SUBCODES_CODE_USED = new Set([36007, 36009])

// Meta refuses a refresh with a bare code 100 for each of these; the fix names them all.
const REFRESH_REFUSED_HINT =
  'Meta refreshes a token once it is 24 hours old, and only an unexpired long-lived token of this app: try again later, or connect the account again; nothing was changed'

const AFTERMATH: Readonly<Record<MetaFailureStep, string>> = {
  'sign-in': '',
  refresh: '; the token is unchanged',
  media: '; the feed has no copy to serve yet',
  call: '',
}

/**
 * The one translation of "Meta failed" into a {@link ServiceError} a person can act on: a
 * `MetaApiError` by the `action`, `hint`, code and subcode `src/meta` computed (never by Meta's
 * message text), a `BrokerError` by its `IGB_` code, a network failure or timeout as
 * `meta_unreachable`. The error carries a `hint` (what to do) and a `reason` (the case, stable for
 * scripts). Messages hold no token, code or secret: the library scrubbed them already.
 *
 * @param error - anything a call to Meta threw; a `ServiceError` is returned unchanged
 * @param context - what was being done, for the wording
 */
export function metaFailure(error: unknown, context: MetaFailureContext = {}): ServiceError {
  if (error instanceof ServiceError) return error
  const step = context.step ?? 'call'
  if (error instanceof AuthorizationDeniedError) {
    return fail(
      'authorization_denied',
      "the sign-in was cancelled on Meta's page; nothing was connected",
      {
        cause: error,
        reason: 'denied',
        hint: 'start the sign-in again and press Allow',
      },
    )
  }
  if (error instanceof BrokerErrorLike) return fromOtherRunner(error)
  if (error instanceof MetaApiError) return fromMetaApiError(error, step, context)
  if (error instanceof BrokerError) return fromBrokerError(error, step, context.flavor)
  if (
    error instanceof TypeError &&
    String((error as { code?: unknown }).code).startsWith('ERR_INVALID_ARG')
  ) {
    return fail('invalid_request', error.message, { cause: error, reason: 'invalid_argument' })
  }
  return fail('internal', 'something went wrong on our side', { cause: error, reason: 'internal' })
}

/** A refresh held or failed by another runner, rebuilt from what it stored: not this call's. */
function fromOtherRunner(error: BrokerErrorLike): ServiceError {
  if (error.code === 'busy') {
    return fail('busy', 'another process is refreshing this token; try again later', {
      cause: error,
      reason: 'retry_later',
      retryAfterSeconds: 5,
    })
  }
  const unreachable = error.code === 'IGB_TIMEOUT' || error.code === 'IGB_NETWORK'
  return fail(
    unreachable ? 'meta_unreachable' : 'meta_error',
    `a refresh running elsewhere did not succeed (${error.code}); the stored token is unchanged`,
    { cause: error, reason: unreachable ? 'meta_unreachable' : 'retry_later' },
  )
}

function fromMetaApiError(
  error: MetaApiError,
  step: MetaFailureStep,
  context: MetaFailureContext,
): ServiceError {
  const after = AFTERMATH[step]
  if (step === 'sign-in') return signInRefused(error, context)
  if (error.action === 'reauthorize') {
    return fail('needs_reauth', `Meta no longer accepts this account's token: ${error.message}`, {
      cause: error,
      reason: 'token_dead',
      hint: 'the person must connect the account again (the connect page, or npx igtoken login)',
    })
  }
  if (error.action === 'retry-later') {
    const wait =
      error.retryAfterMs === null ? '' : ` (about ${Math.ceil(error.retryAfterMs / 1000)} s)`
    return fail('meta_error', `Meta is throttling or unavailable: ${error.message}${after}`, {
      cause: error,
      reason: 'retry_later',
      hint: `wait${wait} and try again`,
    })
  }
  if (error.action === 'permission') {
    return fail('meta_error', `Meta refused a permission: ${error.message}${after}`, {
      cause: error,
      reason: 'permission_missing',
      hint: error.hint ?? 'connect the account again and grant the permission Meta names',
    })
  }
  const hint = error.hint ?? (step === 'refresh' ? REFRESH_REFUSED_HINT : null)
  return fail('meta_error', `Meta refused the call: ${error.message}${after}`, {
    cause: error,
    reason: 'meta_refused',
    ...(hint === null ? {} : { hint }),
  })
}

/** A failed code exchange or profile read during a sign-in: the sign-in is refused. */
function signInRefused(error: MetaApiError, context: MetaFailureContext): ServiceError {
  if (error.action === 'retry-later') {
    return fail('meta_error', `Meta asked to retry later: ${error.message}`, {
      cause: error,
      reason: 'retry_later',
      hint: 'wait a minute and sign in again',
    })
  }
  if (error.subcode === SUBCODE_REDIRECT_URI) {
    return fail('code_rejected', 'Meta refused the redirect URI', {
      cause: error,
      reason: 'redirect_uri_not_registered',
      hint: `register exactly ${context.redirectUri ?? 'the redirect URI'} (mind the trailing slash) in ${redirectSettings(context.flavor)}`,
    })
  }
  if (error.subcode !== null && SUBCODES_CODE_USED.has(error.subcode)) {
    return fail(
      'code_rejected',
      'Meta did not accept the authorization code: codes work once and expire after 1 hour',
      {
        cause: error,
        reason: 'code_expired',
        hint: 'sign in again and finish within the hour; if it keeps failing, log out of Instagram in the browser first',
      },
    )
  }
  const hint = error.hint === null ? '' : ` (${error.hint})`
  return fail('code_rejected', `Meta refused the sign-in: ${error.message}${hint}`, {
    cause: error,
    reason: error.action === 'permission' ? 'permission_missing' : 'meta_refused',
    hint: error.hint ?? signInChecklist(context),
  })
}

function fromBrokerError(
  error: BrokerError,
  step: MetaFailureStep,
  flavor: FlavorName = 'instagram-login',
): ServiceError {
  const after = AFTERMATH[step]
  switch (error.code) {
    case 'IGB_TIMEOUT':
    case 'IGB_NETWORK':
      return fail('meta_unreachable', `Meta could not be reached: ${error.message}${after}`, {
        cause: error,
        reason: 'meta_unreachable',
        hint: 'check the network (and IGTOKEN_META_EMULATOR_URL when testing), then try again',
      })
    case 'IGB_REFRESH_TOO_EARLY': {
      const at =
        error.retryAfterMs === undefined
          ? 'later'
          : `from ${new Date(Date.now() + error.retryAfterMs).toISOString()}`
      // Worded here, not taken from the library's message, which names its parameters.
      const hours = getFlavor(flavor).minRefreshAgeSeconds / 3600
      return fail(
        'invalid_request',
        `a token can be refreshed ${hours} h after it was issued: this one ${at}${after}`,
        {
          cause: error,
          reason: 'too_early',
          hint: `Meta refreshes a token once it is ${hours} hours old: try again ${at}; nothing was changed`,
        },
      )
    }
    case 'IGB_TOKEN_EXPIRED':
      return fail('invalid_request', `${error.message}${after}`, {
        cause: error,
        reason: 'token_dead',
        hint: 'an expired token cannot be refreshed: connect the account again (npx igtoken login)',
      })
    case 'IGB_NO_INSTAGRAM_ACCOUNT':
      return fail('code_rejected', error.message, {
        cause: error,
        reason: 'no_instagram_account',
        hint: 'link the Instagram professional account to a Facebook Page, grant that Page, and sign in again',
      })
    case 'IGB_STATE_MISMATCH':
    case 'IGB_REDIRECT_MISSING_CODE':
    case 'IGB_REDIRECT_MISSING_STATE':
    case 'IGB_REDIRECT_REPEATED_PARAMETER':
      return fail('invalid_request', `the sign-in came back malformed: ${error.message}`, {
        cause: error,
        reason: 'redirect_malformed',
        hint: 'use the whole address the browser landed on after Allow, from the same sign-in',
      })
    default:
      if (error.action === 'reauthorize') {
        return fail('needs_reauth', `${error.message}${after}`, {
          cause: error,
          reason: 'token_dead',
          hint: 'the person must connect the account again (the connect page, or npx igtoken login)',
        })
      }
      return fail('meta_error', `Meta's answer could not be used: ${error.message}${after}`, {
        cause: error,
        reason: error.code,
        hint: 'try again; if it persists, report it with the output of npx igtoken doctor',
      })
  }
}

function redirectSettings(flavor: FlavorName | undefined): string {
  return getFlavor(flavor ?? 'instagram-login').redirectUrisPath
}

// Without a code or hint, a refused code exchange is one of three mistakes; name all three.
function signInChecklist(context: MetaFailureContext): string {
  const flavor = getFlavor(context.flavor ?? 'instagram-login')
  const secret =
    flavor.appCredentials === 'meta-app'
      ? `the app secret of this Meta app (${flavor.appCredentialsPath})`
      : `the Instagram app secret shown beside the Instagram app id (${flavor.appCredentialsPath}), not the Meta app secret`
  const redirect = context.redirectUri === undefined ? 'the redirect URI' : context.redirectUri
  return `check ${secret}; that exactly ${redirect} is registered; and that the code is fresh (codes work once and expire after 1 hour); then sign in again`
}

function fail(
  code: ServiceErrorCode,
  message: string,
  options: { cause: unknown; reason: string; hint?: string; retryAfterSeconds?: number },
): ServiceError {
  return new ServiceError(code, message, options)
}
