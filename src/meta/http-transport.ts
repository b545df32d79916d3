import { setTimeout as sleep } from 'node:timers/promises'

import { IGB_INVALID_RESPONSE, IGB_NETWORK, IGB_TIMEOUT } from './error-codes.js'
import type { SentToken } from './error-messages.js'
import { BrokerError, MetaApiError } from './errors.js'
import { TRANSIENT_RETRY_MS, classifyMetaError, readMetaErrorBody } from './graph-error.js'
import type { MetaHost } from './hosts.js'
import { parseMetaJson } from './meta-json.js'
import { redactUrl, scrub, scrubDeep } from './redact.js'
import type { UsageReading } from './usage-headers.js'
import { parseUsageHeaders } from './usage-headers.js'

/** How calls reach Meta. */
export interface Transport {
  readonly fetch: typeof fetch
  readonly timeoutMs: number
  readonly retries: number
  readonly now: () => number
  readonly baseUrls: Readonly<Record<MetaHost, string>>
}

/** One call to Meta. */
export interface MetaRequest {
  readonly host: MetaHost
  readonly path: string
  readonly method: 'GET' | 'POST' | 'DELETE'
  readonly query?: Readonly<Record<string, string>>
  readonly form?: Readonly<Record<string, string>>
  /** Every token, secret and code in the request, scrubbed from errors. */
  readonly secrets: readonly string[]
}

/** What a response parser needs to know about the call that produced the response. */
export interface ResponseContext {
  readonly now: () => number
  readonly secrets: readonly string[]
  readonly method: string
  /** Already redacted. */
  readonly url: string
  /** Which token the call carried; tells a missing token from a refused one (default `other`). */
  readonly sentToken?: SentToken
}

/** A parsed Meta body with the usage headers of its response. */
export interface MetaBody {
  readonly body: unknown
  readonly usage: UsageReading | null
}

/** The absolute URL of a request, on the (possibly overridden) base URL of its host. */
export function buildUrl(transport: Transport, request: MetaRequest): URL {
  const url = new URL(transport.baseUrls[request.host] + request.path)
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v)
  return url
}

/** The parser context of a request. */
export function responseContext(transport: Transport, request: MetaRequest): ResponseContext {
  return {
    now: transport.now,
    secrets: request.secrets,
    method: request.method,
    url: redactUrl(buildUrl(transport, request)),
    sentToken: sentTokenOf(request),
  }
}

// Basic Display tokens start `IGQ`; Meta's answers to them need their own hint.
function sentTokenOf(request: MetaRequest): SentToken {
  const token = request.query?.['fb_exchange_token'] ?? request.query?.['access_token']
  if (token === undefined || token === '') return 'none'
  return token.startsWith('IGQ') ? 'basic-display' : 'other'
}

/**
 * Sends one request with the transport's timeout; no retries, no parsing.
 *
 * @throws BrokerError `IGB_TIMEOUT` or `IGB_NETWORK`.
 */
export async function sendRequest(transport: Transport, request: MetaRequest): Promise<Response> {
  const url = buildUrl(transport, request)
  const init: RequestInit = {
    method: request.method,
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(transport.timeoutMs),
  }
  if (request.form !== undefined) init.body = new URLSearchParams(request.form)
  try {
    return await transport.fetch(url, init)
  } catch (err) {
    throw transportError(err, request, redactUrl(url), transport.timeoutMs)
  }
}

function transportError(
  err: unknown,
  request: MetaRequest,
  url: string,
  timeoutMs: number,
): BrokerError {
  const name = err instanceof Error ? err.name : ''
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new BrokerError(IGB_TIMEOUT, `${request.host} did not answer within ${timeoutMs} ms`, {
      action: 'retry-later',
      retryAfterMs: TRANSIENT_RETRY_MS,
      method: request.method,
      url,
    })
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined
  const code = typeof cause?.code === 'string' ? cause.code : 'unknown error'
  return new BrokerError(
    IGB_NETWORK,
    `could not reach ${request.host}: ${scrub(code, request.secrets)}`,
    {
      action: 'retry-later',
      retryAfterMs: TRANSIENT_RETRY_MS,
      method: request.method,
      url,
    },
  )
}

/**
 * Reads and validates a Meta response body: JSON (big integers kept as strings), or one of
 * Meta's two error shapes turned into a {@link MetaApiError}.
 *
 * @throws MetaApiError when Meta reports an error (any status).
 * @throws BrokerError `IGB_INVALID_RESPONSE` for HTML, empty, non-JSON or truncated bodies and
 * for a failure status without an error object; `IGB_TIMEOUT` / `IGB_NETWORK` while reading.
 */
export async function readMetaJson(response: Response, ctx: ResponseContext): Promise<MetaBody> {
  const { status } = response
  let text: string
  try {
    text = await response.text()
  } catch (err) {
    const name = err instanceof Error ? err.name : ''
    const timedOut = name === 'TimeoutError' || name === 'AbortError'
    throw new BrokerError(
      timedOut ? IGB_TIMEOUT : IGB_NETWORK,
      timedOut
        ? 'meta did not finish the answer in time'
        : 'the connection broke while reading the answer',
      {
        action: 'retry-later',
        retryAfterMs: TRANSIENT_RETRY_MS,
        status,
        method: ctx.method,
        url: ctx.url,
      },
    )
  }
  const usage = parseUsageHeaders(response.headers)
  const invalid = (what: string): BrokerError =>
    new BrokerError(IGB_INVALID_RESPONSE, `meta answered http ${status} with ${what}`, {
      ...(status >= 500
        ? { action: 'retry-later' as const, retryAfterMs: TRANSIENT_RETRY_MS }
        : {}),
      status,
      method: ctx.method,
      url: ctx.url,
      cause: {
        status,
        contentType: response.headers.get('content-type'),
        bodyStart: scrub(text.slice(0, 200), ctx.secrets),
      },
    })

  const trimmed = text.trim()
  if (trimmed === '') throw invalid('an empty body')
  const contentType = response.headers.get('content-type') ?? ''
  if (trimmed.startsWith('<') || /html/i.test(contentType))
    throw invalid('an html page instead of json')
  let body: unknown
  try {
    body = parseMetaJson(trimmed)
  } catch {
    throw invalid(
      trimmed.startsWith('{') || trimmed.startsWith('[')
        ? 'truncated or invalid json'
        : 'a body that is not json',
    )
  }
  const fields = readMetaErrorBody(body)
  if (fields !== null) {
    const { action, retryAfterMs, hint } = classifyMetaError(fields, status, usage, ctx.sentToken)
    const scrubbedText = scrub(text, ctx.secrets)
    const message = scrub(fields.message, ctx.secrets)
    throw new MetaApiError({
      message: message === '' ? `meta answered http ${status} with an error` : message,
      status,
      code: fields.code,
      subcode: fields.subcode,
      type: fields.type === null ? null : scrub(fields.type, ctx.secrets),
      fbtraceId: fields.fbtraceId,
      userTitle: fields.userTitle === null ? null : scrub(fields.userTitle, ctx.secrets),
      userMessage: fields.userMessage === null ? null : scrub(fields.userMessage, ctx.secrets),
      action,
      retryAfterMs,
      hint,
      usage,
      method: ctx.method,
      url: ctx.url,
      body: scrubDeep(body, ctx.secrets),
      response: rebuildResponse(response, scrubbedText, ctx.secrets),
    })
  }
  if (!response.ok) throw invalid('a failure status but no error object')
  return { body, usage }
}

// The original Response carries the request URL (with the token in its query): hand out a copy
// without the URL and with the body and headers scrubbed.
function rebuildResponse(original: Response, text: string, secrets: readonly string[]): Response {
  const headers = new Headers()
  original.headers.forEach((value, key) => {
    headers.set(key, scrub(value, secrets))
  })
  const noBody = [101, 204, 205, 304].includes(original.status)
  return new Response(noBody ? null : text, {
    status: original.status,
    statusText: original.statusText,
    headers,
  })
}

/**
 * Whether a failed attempt may be repeated: Meta's transient errors, timeouts and network errors
 * only. A permission error sent with HTTP 500 is not one.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MetaApiError) return err.action === 'retry-later' && err.status >= 500
  if (err instanceof BrokerError) {
    if (err.code === IGB_TIMEOUT || err.code === IGB_NETWORK) return true
    return err.code === IGB_INVALID_RESPONSE && err.status !== undefined && err.status >= 500
  }
  return false
}

const BACKOFF_BASE_MS = 200
const BACKOFF_CAP_MS = 5_000

/**
 * Runs `attempt`, repeating it up to `transport.retries` times with jittered exponential backoff
 * when it fails in a retryable way. Only for calls that are safe to repeat.
 */
export async function withRetries<T>(
  transport: Transport,
  retryable: boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  const retries = retryable ? transport.retries : 0
  for (let i = 0; ; i++) {
    try {
      return await attempt()
    } catch (err) {
      if (i >= retries || !isRetryable(err)) throw err
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** i)
      await sleep(Math.round(ceiling / 2 + (Math.random() * ceiling) / 2))
    }
  }
}
