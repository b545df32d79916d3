import type { ClientContext } from './client-context.js'
import { tokenQuery, usageField } from './client-context.js'
import type { MetaRequest } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest, withRetries } from './http-transport.js'
import { scrub, scrubDeep, withoutTokens } from './redact.js'
import type { UsageReading } from './usage-headers.js'

/** Methods a proxied Graph call may use. */
export type ProxyMethod = 'GET' | 'POST' | 'DELETE'

/** At most this many path segments (`{ig-user-id}/media` is 2; `{media-id}/insights` is 2). */
const MAX_SEGMENTS = 4

/**
 * One Graph path segment: an id or an edge name. Anything else — dots (`..`, a version such as
 * `v25.0`), percent-encoding (`%2e%2e`, `%2f`), backslashes, colons, empty segments — is refused
 * rather than decoded, so there is nothing to normalise and no second reading of the path.
 */
const SEGMENT = /^[A-Za-z0-9_]{1,64}$/

/**
 * Query and form parameters a caller may not send: the credentials igtoken adds itself, Graph's
 * `method` override (`GET /{id}?method=delete` deletes: it would turn a read into a write) and
 * batch requests (which name other paths inside the body).
 */
export const PROXY_REFUSED_PARAMS: readonly string[] = Object.freeze([
  'access_token',
  'appsecret_proof',
  'appsecret_time',
  'method',
  '_method',
  'batch',
  'include_headers',
])

/** Usage headers a proxied answer passes on, so the caller sees its budget as Meta counts it. */
export const PROXY_USAGE_HEADERS: readonly string[] = Object.freeze([
  'x-app-usage',
  'x-business-use-case-usage',
  'x-page-usage',
  'x-ad-account-usage',
])

/**
 * Splits the raw path after `/graph/` into segments, or says why it is refused. The raw path is
 * checked as sent (never URL-decoded first): only `[A-Za-z0-9_]` segments joined by single `/`.
 * @param raw - the path after `…/graph/`, without the query string
 * @returns the segments, or `{ refused }` with a reason safe to show
 */
export function parseProxyPath(raw: string): { segments: string[] } | { refused: string } {
  if (raw === '') return { refused: 'the Graph path is empty' }
  const segments = raw.split('/')
  if (segments.length > MAX_SEGMENTS) {
    return { refused: `the Graph path has more than ${MAX_SEGMENTS} segments` }
  }
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) {
      return {
        refused:
          'the Graph path may hold only ids and edge names (letters, digits, "_") separated by "/"; no dots, encodings or empty segments',
      }
    }
  }
  return { segments }
}

/** What a proxied call sends, beyond the token igtoken adds. */
export interface ProxyCall {
  readonly method: ProxyMethod
  /** From {@link parseProxyPath}. */
  readonly segments: readonly string[]
  readonly query: Readonly<Record<string, string>>
  /** POST parameters, sent form-encoded as Graph expects. */
  readonly form?: Readonly<Record<string, string>>
}

/** Meta's answer to a proxied call that succeeded. */
export interface ProxyAnswer {
  readonly status: number
  /** Parsed with big integers kept as strings; secrets of the call scrubbed. */
  readonly body: unknown
  /** The usage headers Meta sent ({@link PROXY_USAGE_HEADERS}). */
  readonly headers: Readonly<Record<string, string>>
  readonly usage: UsageReading | null
}

/**
 * The request of a proxied call: the flavor's Graph host (graph.instagram.com or
 * graph.facebook.com), the configured version where the host is versioned, the caller's
 * parameters, and the token with `appsecret_proof` where the client is configured to send it.
 */
export function proxyRequest(ctx: ClientContext, token: string, call: ProxyCall): MetaRequest {
  const profile = ctx.flavor.endpoints.profile
  const versioned = profile.path.startsWith('/{version}')
  const path = `${versioned ? `/${ctx.graphVersion}` : ''}/${call.segments.join('/')}`
  const credentials = tokenQuery(ctx, profile.host, token)
  return {
    host: profile.host,
    path,
    method: call.method,
    query: { ...call.query, ...credentials },
    ...(call.form === undefined ? {} : { form: call.form }),
    secrets: [ctx.appSecret, token, ...Object.values(credentials)],
  }
}

/**
 * Sends a proxied call. Only a GET is repeated on a transient failure (5xx, timeout, network), at
 * most the client's `retries` times: a POST or DELETE may have taken effect.
 * @throws MetaApiError for Meta's error answers (status, code, `action`, `hint`, scrubbed body)
 * @throws BrokerError `IGB_TIMEOUT`, `IGB_NETWORK`, `IGB_INVALID_RESPONSE`
 */
export async function forwardGraphCall(
  ctx: ClientContext,
  token: string,
  call: ProxyCall,
): Promise<ProxyAnswer> {
  const request = proxyRequest(ctx, token, call)
  const rctx = responseContext(ctx, request)
  return withRetries(ctx, call.method === 'GET', async () => {
    const response = await sendRequest(ctx, request)
    const headers: Record<string, string> = {}
    for (const name of PROXY_USAGE_HEADERS) {
      const value = response.headers.get(name)
      if (value !== null) headers[name] = scrub(value, request.secrets)
    }
    const { body, usage } = await readMetaJson(response, rctx)
    usageField(ctx, usage)
    // Meta's answer may carry tokens it minted (Page tokens on /me/accounts): none goes back.
    const clean = withoutTokens(scrubDeep(body, request.secrets))
    return { status: response.status, body: clean, headers, usage }
  })
}
