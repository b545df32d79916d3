/**
 * The service's error codes (`docs/errors.md`, "Service error codes"); test/client/client.test.ts
 * keeps this list equal to the service's own. Copied, not imported: the SDK is a leaf that ships
 * to browsers without the server's code.
 */
export const IGTOKEN_ERROR_CODES = [
  'unauthorized',
  'forbidden_scope',
  'graph_path_forbidden',
  'not_found',
  'profile_invalid',
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

/** One of {@link IGTOKEN_ERROR_CODES}, or a code a newer service added. */
export type IgtokenErrorCode = (typeof IGTOKEN_ERROR_CODES)[number] | (string & {})

/** Meta's own error object, as the Graph proxy passes it on. */
export interface MetaErrorBody {
  readonly message?: string
  readonly type?: string
  readonly code?: number
  readonly error_subcode?: number
  readonly fbtrace_id?: string
  readonly [field: string]: unknown
}

/** A failed call to the service: its HTTP status and the service's code. */
export class IgtokenError extends Error {
  override name = 'IgtokenError'
  readonly status: number
  readonly code: IgtokenErrorCode
  /** What to do about it, when the service said. */
  readonly hint: string | undefined
  /** Seconds to wait before trying again (`Retry-After`), when given. */
  readonly retryAfterSeconds: number | undefined
  /** For Graph proxy calls that Meta refused: Meta's error object. */
  readonly meta: MetaErrorBody | undefined
  /** For Graph proxy calls: igtoken's reading of Meta's error (`reauthorize`, `retry-later`…). */
  readonly action: string | undefined

  constructor(init: {
    status: number
    code: IgtokenErrorCode
    message: string
    hint?: string | undefined
    retryAfterSeconds?: number | undefined
    meta?: MetaErrorBody | undefined
    action?: string | undefined
  }) {
    super(init.message)
    this.status = init.status
    this.code = init.code
    this.hint = init.hint
    this.retryAfterSeconds = init.retryAfterSeconds
    this.meta = init.meta
    this.action = init.action
  }
}

/** The account must be connected again: its token is no longer accepted by Meta. */
export class NeedsReauthError extends IgtokenError {
  override name = 'NeedsReauthError'
}

/** Slow down: the service or Meta's budget asks to wait `retryAfterSeconds`. */
export class RateLimitedError extends IgtokenError {
  override name = 'RateLimitedError'
}

/** The API key lacks the scope the call needs (`forbidden_scope`). */
export class ForbiddenScopeError extends IgtokenError {
  override name = 'ForbiddenScopeError'
}

/**
 * Reads a failed answer: the service's `{error: {code, message}}` or, from the Graph proxy, Meta's
 * error with `error.igtoken = {code, action, hint}`.
 */
export function errorFromAnswer(
  status: number,
  body: unknown,
  retryAfter: string | null,
): IgtokenError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {}
  const igtoken = isRecord(error['igtoken']) ? error['igtoken'] : undefined
  const fromMeta = igtoken !== undefined
  const given = fromMeta ? igtoken['code'] : error['code']
  const code = typeof given === 'string' ? given : `http_${String(status)}`
  const hint = fromMeta ? igtoken['hint'] : error['hint']
  const seconds = retryAfter === null ? NaN : Number(retryAfter)
  const init = {
    status,
    code,
    message: typeof error['message'] === 'string' ? error['message'] : `igtoken answered ${status}`,
    hint: typeof hint === 'string' ? hint : undefined,
    retryAfterSeconds: Number.isFinite(seconds) ? seconds : undefined,
    meta: fromMeta ? (error as MetaErrorBody) : undefined,
    action: fromMeta && typeof igtoken['action'] === 'string' ? igtoken['action'] : undefined,
  }
  if (code === 'needs_reauth') return new NeedsReauthError(init)
  if (code === 'rate_limited' || status === 429) return new RateLimitedError(init)
  if (code === 'forbidden_scope') return new ForbiddenScopeError(init)
  return new IgtokenError(init)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
