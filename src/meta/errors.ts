import type { BrokerErrorCode } from './error-codes.js'
import { IGB_AUTHORIZATION_DENIED } from './error-codes.js'
import type { UsageReading } from './usage-headers.js'

/**
 * What the caller should do about an error:
 * - `reauthorize`: the token is dead (expired, revoked, password changed); send the person
 *   through the login dialog again.
 * - `retry-later`: a throttle or a transient failure; wait `retryAfterMs` and try again.
 * - `fix-request`: the request itself is wrong (bad parameter, redirect URI, reused code,
 *   wrong app id or secret); retrying unchanged will fail again.
 * - `permission`: a permission is missing or was removed; ask for it (`authType: 'rerequest'`).
 * - `unknown`: Meta gave nothing we can classify.
 */
export type ErrorAction = 'reauthorize' | 'retry-later' | 'fix-request' | 'permission' | 'unknown'

/** Fields of a {@link MetaApiError}. */
export interface MetaApiErrorInit {
  readonly message: string
  readonly status: number
  readonly code: number | null
  readonly subcode: number | null
  readonly type: string | null
  readonly fbtraceId: string | null
  readonly userTitle: string | null
  readonly userMessage: string | null
  readonly action: ErrorAction
  readonly retryAfterMs: number | null
  readonly hint: string | null
  readonly usage: UsageReading | null
  readonly method: string
  readonly url: string
  readonly body: unknown
  readonly response: Response
}

/**
 * Meta refused a call and said why, in either of its error dialects (Graph
 * `{"error":{…}}` or Instagram OAuth `{"error_type","code","error_message"}`).
 *
 * The message and every enumerable property are scrubbed of the token, secret and code sent with
 * the request; `url` has those query parameters redacted. The parsed body is the `cause`; the
 * (scrubbed, re-built) `Response` is a non-enumerable `response`.
 */
export class MetaApiError extends Error {
  override readonly name = 'MetaApiError'
  /** HTTP status of Meta's answer. */
  readonly status: number
  /** Meta's `code` (Graph codes like 190, or the HTTP status in the Instagram OAuth dialect). */
  readonly code: number | null
  /** Meta's `error_subcode`, e.g. 463 for an expired token. */
  readonly subcode: number | null
  /** Meta's `type` / `error_type`, e.g. `OAuthException`. */
  readonly type: string | null
  /** Meta's `fbtrace_id`, to quote to Meta support. */
  readonly fbtraceId: string | null
  /** `error_user_title`, meant for the end user. */
  readonly userTitle: string | null
  /** `error_user_msg`, meant for the end user. */
  readonly userMessage: string | null
  /** What to do about it; see {@link ErrorAction}. */
  readonly action: ErrorAction
  /** For `retry-later`: how long to wait, in ms. */
  readonly retryAfterMs: number | null
  /** A known fix for a confusing message (e.g. `Invalid platform app`). */
  readonly hint: string | null
  /** The usage headers of the failed response. */
  readonly usage: UsageReading | null
  /** HTTP method of the failed call. */
  readonly method: string
  /** URL of the failed call, with secret query parameters redacted. */
  readonly url: string
  /** The scrubbed response (status, headers, body); not enumerable so it stays out of logs. */
  declare readonly response: Response

  /** @param init - The parsed and scrubbed error fields. */
  constructor(init: MetaApiErrorInit) {
    super(init.message, { cause: init.body })
    this.status = init.status
    this.code = init.code
    this.subcode = init.subcode
    this.type = init.type
    this.fbtraceId = init.fbtraceId
    this.userTitle = init.userTitle
    this.userMessage = init.userMessage
    this.action = init.action
    this.retryAfterMs = init.retryAfterMs
    this.hint = init.hint
    this.usage = init.usage
    this.method = init.method
    this.url = init.url
    Object.defineProperty(this, 'response', { value: init.response, enumerable: false })
  }
}

/** Extra fields of a {@link BrokerError}. */
export interface BrokerErrorOptions {
  readonly action?: ErrorAction
  readonly retryAfterMs?: number
  readonly status?: number
  readonly method?: string
  readonly url?: string
  readonly cause?: unknown
}

/**
 * A broken contract or an internal failure: Meta's answer was unusable, the network failed, or
 * the library refused a call that could not succeed. `code` is one of the `IGB_` constants.
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError'
  /** One of the `IGB_` codes, see `docs/errors.md`. */
  readonly code: BrokerErrorCode
  /** What to do about it, when known. */
  readonly action?: ErrorAction
  /** For `retry-later`: how long to wait, in ms. */
  readonly retryAfterMs?: number
  /** HTTP status of Meta's answer, when there was one. */
  readonly status?: number
  /** HTTP method of the failed call, when there was one. */
  readonly method?: string
  /** URL of the failed call, with secret query parameters redacted. */
  readonly url?: string

  /**
   * @param code - The `IGB_` code.
   * @param message - Lower-case, never containing a token, secret or code.
   * @param options - Action, retry hint and request context.
   */
  constructor(code: BrokerErrorCode, message: string, options: BrokerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options.action !== undefined) this.action = options.action
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
    if (options.status !== undefined) this.status = options.status
    if (options.method !== undefined) this.method = options.method
    if (options.url !== undefined) this.url = options.url
  }
}

/**
 * The login dialog redirected back with `error=…` instead of a code (usually the person pressed
 * Cancel: `access_denied` / `user_denied`).
 */
export class AuthorizationDeniedError extends Error {
  override readonly name = 'AuthorizationDeniedError'
  /** Always `IGB_AUTHORIZATION_DENIED`. */
  readonly code = IGB_AUTHORIZATION_DENIED
  /** The `error` parameter, e.g. `access_denied`. */
  readonly error: string
  /** The `error_reason` parameter, e.g. `user_denied`, or `null`. */
  readonly reason: string | null
  /** The `error_description` parameter, or `null`. */
  readonly description: string | null

  /**
   * @param error - `error` from the redirect.
   * @param reason - `error_reason` from the redirect.
   * @param description - `error_description` from the redirect.
   */
  constructor(error: string, reason: string | null, description: string | null) {
    super(
      `authorization was denied: "error" is "${error}"` +
        (reason === null ? '' : `, "error_reason" is "${reason}"`) +
        (description === null ? '' : ` (${description})`),
    )
    this.error = error
    this.reason = reason
    this.description = description
  }
}

/**
 * Whether `value` is a {@link MetaApiError}.
 *
 * @param value - Anything caught.
 */
export function isMetaApiError(value: unknown): value is MetaApiError {
  return value instanceof MetaApiError
}

/**
 * The {@link ErrorAction} of any error this library throws, or `null` for other errors.
 *
 * @param err - Anything caught.
 */
export function errorAction(err: unknown): ErrorAction | null {
  if (err instanceof MetaApiError) return err.action
  if (err instanceof BrokerError) return err.action ?? null
  if (err instanceof AuthorizationDeniedError) return 'reauthorize'
  return null
}

/** A caller passed a wrong value: Node's convention of a TypeError with a `code`. */
export function invalidArgValue(message: string): TypeError & { code: 'ERR_INVALID_ARG_VALUE' } {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const })
}

/** A caller passed a value of the wrong type. */
export function invalidArgType(message: string): TypeError & { code: 'ERR_INVALID_ARG_TYPE' } {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' as const })
}

/** Throws unless `value` is a non-empty string. */
export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    if (value === undefined || value === null) throw invalidArgValue(`"${name}" is required`)
    throw invalidArgType(`"${name}" must be a string`)
  }
  if (value === '') throw invalidArgValue(`"${name}" must not be empty`)
  return value
}
