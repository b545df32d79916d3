/**
 * Codes of the domain's failures, in the one error body `{ error: { code, message } }`.
 * `server/errors.ts` maps each to an HTTP status, `cli/errors.ts` to an exit code;
 * `docs/errors.md` lists them with cause and fix (a test keeps it equal to this list).
 */
export const SERVICE_ERROR_CODES = [
  'unauthorized',
  'forbidden_scope',
  'graph_path_forbidden',
  'not_found',
  'needs_reauth',
  'account_inactive',
  'invalid_request',
  'state_missing',
  'state_unknown',
  'state_used',
  'state_expired',
  'browser_mismatch',
  'cookie_missing',
  'authorization_denied',
  'code_rejected',
  'profile_invalid',
  'return_to_refused',
  'link_gone',
  'link_used',
  'signed_request_invalid',
  'meta_error',
  'meta_unreachable',
  'rate_limited',
  'busy',
  'internal',
] as const

/** One of {@link SERVICE_ERROR_CODES}. */
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number]

/** Options of a {@link ServiceError} beyond its code and message. */
export interface ServiceErrorOptions {
  readonly cause?: unknown
  /** What to do about it, in one line (the CLI prints it as its `fix:` line). */
  readonly hint?: string
  /** A finer, stable name of the case than `code` (e.g. `too_early`, `code_expired`), for scripts. */
  readonly reason?: string
  /** Try again after this many seconds (Meta's slow-downs, a busy database). */
  readonly retryAfterSeconds?: number
}

/**
 * A failure the domain reports to its caller: a code and a message safe to show. It carries no
 * transport detail; each edge (HTTP, CLI) maps the code once.
 */
export class ServiceError extends Error {
  override name = 'ServiceError'
  readonly code: ServiceErrorCode
  /** See {@link ServiceErrorOptions.hint}. */
  readonly hint: string | undefined
  /** See {@link ServiceErrorOptions.reason}. */
  readonly reason: string | undefined
  readonly retryAfterSeconds: number | undefined
  constructor(code: ServiceErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint
    this.reason = options.reason
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}
