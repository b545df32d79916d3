import type { FastifyReply } from 'fastify'
import { ServiceError } from '../broker/service-error.js'
import type { ServiceErrorCode } from '../broker/service-error.js'
import { IGB_STORE_BUSY, StoreError } from '../broker/types.js'
import { validationMessage } from './validation-message.js'
import type { AjvIssue } from './validation-message.js'

/** The HTTP status of each domain error code: the one mapping of the HTTP edge. */
export const HTTP_STATUS: Readonly<Record<ServiceErrorCode, number>> = Object.freeze({
  unauthorized: 401,
  forbidden_scope: 403,
  graph_path_forbidden: 403,
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
  profile_invalid: 422,
  return_to_refused: 400,
  link_gone: 410,
  link_used: 409,
  signed_request_invalid: 400,
  meta_error: 502,
  meta_unreachable: 502,
  rate_limited: 429,
  busy: 503,
  internal: 500,
})

/** The HTTP status a domain error is answered with. */
export function httpStatusOf(error: ServiceError): number {
  return HTTP_STATUS[error.code]
}

/** The one error body of the service: `{ error: { code, message, hint? } }`. */
export function errorBody(error: ServiceError): {
  error: { code: string; message: string; hint?: string }
} {
  return {
    error: {
      code: error.code,
      message: error.message,
      // What to do about it, when the domain knows (written by us, never from a request).
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    },
  }
}

/** Answers a domain error as JSON with its status (and `Retry-After` when it says when). */
export function sendError(reply: FastifyReply, error: ServiceError): FastifyReply {
  const answer = failureAnswer(error)
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
}

/** A failed request's answer: see {@link failureAnswer}. */
export interface FailureAnswer {
  readonly failure: ServiceError
  readonly status: number
  /** `Retry-After` when the failure says when. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: ReturnType<typeof errorBody>
}

/**
 * Any thrown value as the whole answer to a failed request (status, headers, the one error body):
 * the service's error handler and the token API's lean path answer failures through it. The
 * caller logs `internal` failures (their message is never shown).
 */
export function failureAnswer(
  error: unknown,
  routeSchema?: Readonly<Record<string, unknown>>,
): FailureAnswer {
  const { failure, status } = toHttpFailure(error, routeSchema)
  const headers: Record<string, string> =
    failure.retryAfterSeconds === undefined
      ? {}
      : { 'retry-after': String(Math.ceil(failure.retryAfterSeconds)) }
  return { failure, status, headers, body: errorBody(failure) }
}

/**
 * Any thrown value as a domain error for the HTTP edge: a `ServiceError` as is; a validation
 * failure in words that name the field (`routeSchema` lets them name its bounds); Fastify's own
 * 4xx (body limits, rate limit) with its status kept; everything else `internal`
 * (the caller logs it; its message is never shown).
 */
function toHttpFailure(
  error: unknown,
  routeSchema?: Readonly<Record<string, unknown>>,
): { failure: ServiceError; status: number } {
  if (error instanceof ServiceError) return { failure: error, status: httpStatusOf(error) }
  if (isValidationError(error)) {
    const message = validationMessage(error.validation, error.validationContext, routeSchema)
    const failure = new ServiceError('invalid_request', message)
    return { failure, status: httpStatusOf(failure) }
  }
  if (error instanceof StoreError && error.code === IGB_STORE_BUSY) {
    // Another process holds the database a moment too long: worth a retry, not a 500.
    const failure = new ServiceError('busy', 'the database is busy; try again in a moment', {
      retryAfterSeconds: 1,
    })
    return { failure, status: httpStatusOf(failure) }
  }
  if (hasStatus(error) && error.statusCode < 500) {
    const code = error.statusCode === 429 ? 'rate_limited' : 'invalid_request'
    // JSON.parse's message quotes the start of the body (it may be a token): never echoed.
    const message =
      error instanceof SyntaxError || (error as { code?: unknown }).code === INVALID_JSON
        ? 'the body is not valid JSON'
        : error.message
    return { failure: new ServiceError(code, message), status: error.statusCode }
  }
  const failure = new ServiceError('internal', 'something went wrong on our side', {
    cause: error,
  })
  return { failure, status: httpStatusOf(failure) }
}

const INVALID_JSON = 'FST_ERR_CTP_INVALID_JSON_BODY'

function isValidationError(
  error: unknown,
): error is Error & { validation: readonly AjvIssue[]; validationContext?: string } {
  return error instanceof Error && Array.isArray((error as { validation?: unknown }).validation)
}

function hasStatus(error: unknown): error is Error & { statusCode: number } {
  return (
    error instanceof Error && typeof (error as { statusCode?: unknown }).statusCode === 'number'
  )
}
