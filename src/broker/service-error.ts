/**
 * Codes the service answers with, in the one error body `{ error: { code, message } }`.
 * Each maps to one HTTP status; `docs/errors.md` lists them with cause and fix.
 */
export const SERVICE_ERRORS = {
  unauthorized: 401,
  not_found: 404,
  needs_reauth: 409,
  account_inactive: 409,
  invalid_request: 400,
  state_missing: 400,
  state_unknown: 400,
  state_used: 400,
  state_expired: 400,
  browser_mismatch: 400,
  cookie_missing: 400,
  authorization_denied: 400,
  code_rejected: 400,
  return_to_refused: 400,
  signed_request_invalid: 400,
  meta_error: 502,
  meta_unreachable: 502,
  rate_limited: 429,
  internal: 500,
} as const

/** One of {@link SERVICE_ERRORS}' keys. */
export type ServiceErrorCode = keyof typeof SERVICE_ERRORS

/** Optional facts of a {@link ServiceError} beyond its code and message. */
export interface ServiceErrorOptions {
  readonly cause?: unknown
  /** What to do about it, in one line (the CLI prints it as its `fix:` line). */
  readonly hint?: string
  /** A finer, stable name of the case than `code` (e.g. `too_early`, `code_expired`), for scripts. */
  readonly reason?: string
}

/** A failure the service reports to its caller: a code, a status and a message safe to show. */
export class ServiceError extends Error {
  override name = 'ServiceError'
  readonly code: ServiceErrorCode
  readonly status: number
  /** See {@link ServiceErrorOptions.hint}. */
  readonly hint: string | undefined
  /** See {@link ServiceErrorOptions.reason}. */
  readonly reason: string | undefined
  constructor(code: ServiceErrorCode, message: string, options?: ServiceErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = SERVICE_ERRORS[code]
    this.hint = options?.hint
    this.reason = options?.reason
  }
}
