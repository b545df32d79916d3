/**
 * Error and warning codes of the protocol library. Every `IGB_` code is documented in
 * `docs/errors.md` (a test keeps the two in step).
 *
 * @packageDocumentation
 */

/**
 * Meta answered with something that is not the documented JSON: an HTML error page, an empty or
 * truncated body, or JSON missing a required field. Assigned by every response parser.
 */
export const IGB_INVALID_RESPONSE = 'IGB_INVALID_RESPONSE'
/** A call to Meta did not finish within `timeoutMs`. Assigned by the HTTP transport. */
export const IGB_TIMEOUT = 'IGB_TIMEOUT'
/** The connection to Meta failed (DNS, refused, reset). Assigned by the HTTP transport. */
export const IGB_NETWORK = 'IGB_NETWORK'
/** A refresh was asked for a token younger than 24 hours. Assigned by `refreshLongLivedToken`. */
export const IGB_REFRESH_TOO_EARLY = 'IGB_REFRESH_TOO_EARLY'
/** A refresh was asked for a token already past its `expiresAt`. Assigned by `refreshLongLivedToken`. */
export const IGB_TOKEN_EXPIRED = 'IGB_TOKEN_EXPIRED'
/** The flavor has no refresh grant (Facebook user tokens). Assigned by `refreshLongLivedToken`. */
export const IGB_REFRESH_UNSUPPORTED = 'IGB_REFRESH_UNSUPPORTED'
/** The call exists only for another flavor (e.g. `listPages` on Instagram Login). */
export const IGB_UNSUPPORTED_BY_FLAVOR = 'IGB_UNSUPPORTED_BY_FLAVOR'
/** No Page of the Facebook user has a linked Instagram professional account. */
export const IGB_NO_INSTAGRAM_ACCOUNT = 'IGB_NO_INSTAGRAM_ACCOUNT'
/** The `state` of the redirect differs from the expected one. Assigned by `parseRedirect`. */
export const IGB_STATE_MISMATCH = 'IGB_STATE_MISMATCH'
/** The redirect has no `code`, or an empty one. Assigned by `parseRedirect`. */
export const IGB_REDIRECT_MISSING_CODE = 'IGB_REDIRECT_MISSING_CODE'
/** The redirect has no `state`, or an empty one. Assigned by `parseRedirect`. */
export const IGB_REDIRECT_MISSING_STATE = 'IGB_REDIRECT_MISSING_STATE'
/** The redirect repeats `code`, `state` or `error`. Assigned by `parseRedirect`. */
export const IGB_REDIRECT_REPEATED_PARAMETER = 'IGB_REDIRECT_REPEATED_PARAMETER'
/** The person cancelled or Meta refused the login dialog. Code of `AuthorizationDeniedError`. */
export const IGB_AUTHORIZATION_DENIED = 'IGB_AUTHORIZATION_DENIED'
/** A `signed_request` is not `signature.payload` in base64url with a JSON payload. */
export const IGB_SIGNED_REQUEST_MALFORMED = 'IGB_SIGNED_REQUEST_MALFORMED'
/** A `signed_request` signature matches none of the app secrets. */
export const IGB_SIGNED_REQUEST_BAD_SIGNATURE = 'IGB_SIGNED_REQUEST_BAD_SIGNATURE'
/** A `signed_request` payload names an `algorithm` other than `HMAC-SHA256`. */
export const IGB_SIGNED_REQUEST_BAD_ALGORITHM = 'IGB_SIGNED_REQUEST_BAD_ALGORITHM'
/** A `signed_request` was issued longer ago than `maxAgeSeconds`. */
export const IGB_SIGNED_REQUEST_EXPIRED = 'IGB_SIGNED_REQUEST_EXPIRED'

/** Every `IGB_` error code, for exhaustive checks and docs tests. */
export const IGB_CODES = [
  IGB_INVALID_RESPONSE,
  IGB_TIMEOUT,
  IGB_NETWORK,
  IGB_REFRESH_TOO_EARLY,
  IGB_TOKEN_EXPIRED,
  IGB_REFRESH_UNSUPPORTED,
  IGB_UNSUPPORTED_BY_FLAVOR,
  IGB_NO_INSTAGRAM_ACCOUNT,
  IGB_STATE_MISMATCH,
  IGB_REDIRECT_MISSING_CODE,
  IGB_REDIRECT_MISSING_STATE,
  IGB_REDIRECT_REPEATED_PARAMETER,
  IGB_AUTHORIZATION_DENIED,
  IGB_SIGNED_REQUEST_MALFORMED,
  IGB_SIGNED_REQUEST_BAD_SIGNATURE,
  IGB_SIGNED_REQUEST_BAD_ALGORITHM,
  IGB_SIGNED_REQUEST_EXPIRED,
] as const

/** A code of {@link IGB_CODES}. */
export type BrokerErrorCode = (typeof IGB_CODES)[number]

/** Warning: the Basic Display flavor was chosen; Meta shut that API down on 2024-12-04. */
export const IGW_DEPRECATED_FLAVOR = 'IGW_DEPRECATED_FLAVOR'
/** Warning: a scope unknown to the flavor was passed through to the login dialog. */
export const IGW_UNKNOWN_SCOPE = 'IGW_UNKNOWN_SCOPE'
/** Warning: a scope Meta deprecated (e.g. `business_basic`) was requested; the message names the replacement. */
export const IGW_DEPRECATED_SCOPE = 'IGW_DEPRECATED_SCOPE'
/** Warning: a known misspelling (`instagram_business_content_publishing`) was requested. */
export const IGW_MISSPELLED_SCOPE = 'IGW_MISSPELLED_SCOPE'

/** Every warning code passed to `onWarning`. */
export const IGW_CODES = [
  IGW_DEPRECATED_FLAVOR,
  IGW_UNKNOWN_SCOPE,
  IGW_DEPRECATED_SCOPE,
  IGW_MISSPELLED_SCOPE,
] as const

/** A code of {@link IGW_CODES}. */
export type WarningCode = (typeof IGW_CODES)[number]
