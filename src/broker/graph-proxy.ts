import {
  MetaApiError,
  PROXY_REFUSED_PARAMS,
  PROXY_USAGE_HEADERS,
  parseProxyPath,
} from '../meta/index.js'
import type { ProxyMethod } from '../meta/index.js'
import { getAccount } from '../store/index.js'
import type { AccountRow } from '../store/index.js'
import { ExpiringCache } from './cache/index.js'
import type { BrokerContext } from './context.js'
import { metaFailure } from './meta-failure.js'
import type { TokenRefresher } from './refresh-token.js'
import { ServiceError } from './service-error.js'
import { accountThrottleKey, refuseWhileThrottled } from './throttle.js'
import type { ServedToken, TokenService } from './token-service.js'

/** One call an app makes through `/api/v1/accounts/{id}/graph/<path>`. */
export interface GraphProxyRequest {
  readonly accountId: string
  readonly method: ProxyMethod
  /** The path after `/graph/` exactly as sent (not URL-decoded), without the query string. */
  readonly rawPath: string
  readonly query: Readonly<Record<string, string>>
  /** POST parameters (a flat JSON object or form), sent to Meta form-encoded. */
  readonly form?: Readonly<Record<string, string>>
}

/** What the proxy answers: Meta's status, body and usage headers. */
export interface GraphProxyResult {
  readonly status: number
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
}

/** Media ids remembered per account at most (the newest listings an app pages through). */
const OWNED_MEDIA_MAX = 5_000
/** An unknown media id costs at most one listing of the account's media per this long. */
const LOOKUP_COOLDOWN_MS = 60_000
const NUMERIC_ID = /^\d{1,32}$/

/**
 * The Graph proxy: apps call Instagram's Graph API through igtoken without ever holding a token.
 * Only the account's own objects are reachable — `me`, its Instagram user id, and media ids it
 * owns (see {@link GraphProxy.call}) — with GET for `graph:read` keys and POST/DELETE for
 * `graph:write` keys (the route's scopes). Calls stop before Meta when its usage headers said a
 * budget is nearly used (the refresh's {@link Throttle}, one rule); a 190 marks the account
 * `needs_reauth` through the refresh's own decision (the token service's `reportRefused`, as a feed read does).
 */
export class GraphProxy {
  readonly #ctx: BrokerContext
  readonly #tokens: TokenService
  readonly #refresher: TokenRefresher
  /** Account id → media ids seen in its own listings. Per process; refilled on demand. */
  readonly #owned: ExpiringCache<string, Set<string>>
  readonly #lookedUpAt = new Map<string, number>()

  constructor(ctx: BrokerContext, tokens: TokenService) {
    this.#ctx = ctx
    this.#tokens = tokens
    this.#refresher = tokens.refresher
    this.#owned = new ExpiringCache({ maxEntries: 10_000, ttlMs: 86_400_000, now: ctx.now })
    ctx.changes.subscribe((change) => {
      if (change.kind === 'account') this.#owned.delete(change.accountId)
      else if (change.kind === 'all') this.#owned.clear()
    })
  }

  /**
   * Checks and forwards one call. The path and parameters are checked before anything is read or
   * sent; the first segment must be `me`, the account's user id, or a media id the account owns:
   * known from the account's media listings that went through this proxy, or else looked up with
   * one listing of its newest media (at most once a minute per account). So a made-up or foreign
   * id never reaches Meta as a path.
   * @throws ServiceError `invalid_request` (path or parameters), `graph_path_forbidden`,
   *   `not_found`, `rate_limited` (Meta's budget nearly used: `retryAfterSeconds`), the token
   *   service's `needs_reauth`/`account_inactive`, `meta_unreachable`/`meta_error` without an answer
   */
  async call(request: GraphProxyRequest): Promise<GraphProxyResult> {
    const parsed = parseProxyPath(request.rawPath)
    if ('refused' in parsed) throw new ServiceError('invalid_request', parsed.refused)
    for (const name of [...Object.keys(request.query), ...Object.keys(request.form ?? {})]) {
      if (PROXY_REFUSED_PARAMS.includes(name)) {
        throw new ServiceError('invalid_request', `"${name}" may not be sent through the proxy`, {
          hint: 'igtoken adds the token and proof itself; writes need a POST or DELETE',
        })
      }
    }
    const account = await getAccount(this.#ctx.store, request.accountId)
    if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
    const [first = ''] = parsed.segments
    if (!(await this.#mayReach(account, first))) {
      throw new ServiceError(
        'graph_path_forbidden',
        'the Graph proxy reaches only this account’s own objects: "me", its user id and its media',
        { hint: 'list /me/media through the proxy to find the media ids it may reach' },
      )
    }
    refuseWhileThrottled(this.#refresher.throttle, account, this.#ctx.now())
    const served = await this.#tokens.getToken(account.id)
    const call = {
      method: request.method,
      segments: parsed.segments,
      query: request.query,
      ...(request.form === undefined ? {} : { form: request.form }),
    }
    try {
      const answer = await this.#ctx.meta.forward(served.accessToken, call)
      if (request.method === 'GET' && parsed.segments[1] === 'media' && isOwner(account, first)) {
        this.#remember(account.id, answer.body)
      }
      return {
        status: answer.status,
        body: withProxyPaging(answer.body, this.#proxyBase(account.id, parsed.segments)),
        headers: answer.headers,
      }
    } catch (error) {
      return this.#failed(account, served, error)
    }
  }

  async #mayReach(account: AccountRow, first: string): Promise<boolean> {
    if (isOwner(account, first)) return true
    if (!NUMERIC_ID.test(first)) return false
    if (this.#owned.get(account.id)?.has(first) === true) return true
    const now = this.#ctx.now()
    if (now - (this.#lookedUpAt.get(account.id) ?? -Infinity) < LOOKUP_COOLDOWN_MS) return false
    this.#lookedUpAt.set(account.id, now)
    if (this.#lookedUpAt.size > 10_000) this.#lookedUpAt.clear()
    refuseWhileThrottled(this.#refresher.throttle, account, this.#ctx.now())
    const token = (await this.#tokens.getToken(account.id)).accessToken
    try {
      const page = await this.#ctx.meta.listMedia(token, {
        limit: 100,
        ...(account.ig_user_id === null ? {} : { igUserId: account.ig_user_id }),
      })
      this.#remember(account.id, {
        data: page.items.map((m) => ({ id: m.id, children: { data: m.children } })),
      })
    } catch (error) {
      this.#refresher.throttle.penalize(error, accountThrottleKey(account))
      throw metaFailure(error, { step: 'media' })
    }
    return this.#owned.get(account.id)?.has(first) === true
  }

  #remember(accountId: string, body: unknown): void {
    const ids = this.#owned.get(accountId) ?? new Set<string>()
    for (const item of listOf(body)) {
      if (typeof item['id'] === 'string') ids.add(item['id'])
      const children = item['children']
      for (const child of listOf(children))
        if (typeof child['id'] === 'string') ids.add(child['id'])
    }
    // Oldest first out: a Set iterates in insertion order.
    for (const id of ids) {
      if (ids.size <= OWNED_MEDIA_MAX) break
      ids.delete(id)
    }
    this.#owned.set(accountId, ids)
  }

  async #failed(
    account: AccountRow,
    served: ServedToken,
    error: unknown,
  ): Promise<GraphProxyResult> {
    this.#refresher.throttle.penalize(error, accountThrottleKey(account))
    if (!(error instanceof MetaApiError)) throw metaFailure(error, { step: 'call' })
    if (error.action === 'reauthorize') {
      await this.#tokens.reportRefused(served, error)
    }
    const failure = metaFailure(error, { step: 'call' })
    const metaError =
      isRecord(error.cause) && isRecord(error.cause['error']) ? error.cause['error'] : {}
    const headers: Record<string, string> = {}
    for (const name of PROXY_USAGE_HEADERS) {
      const value = error.response.headers.get(name)
      if (value !== null) headers[name] = value
    }
    return {
      status: error.status,
      body: {
        error: {
          message: error.message,
          ...metaError,
          igtoken: {
            code: failure.code,
            action: error.action,
            hint: failure.hint ?? error.hint ?? null,
          },
        },
      },
      headers,
    }
  }

  #proxyBase(accountId: string, segments: readonly string[]): string {
    return `${this.#ctx.publicUrl}/api/v1/accounts/${encodeURIComponent(accountId)}/graph/${segments.join('/')}`
  }
}

function isOwner(account: AccountRow, first: string): boolean {
  return first === 'me' || first === (account.ig_user_id ?? account.meta_user_id)
}

/**
 * Meta's `paging.next`/`previous` point at Meta with the token in the query (scrubbed to
 * `[redacted]` by then): they are rewritten to the same edge through the proxy, with the paging
 * parameters kept and every credential dropped.
 */
function withProxyPaging(body: unknown, base: string): unknown {
  if (!isRecord(body) || !isRecord(body['paging'])) return body
  const paging: Record<string, unknown> = { ...body['paging'] }
  for (const key of ['next', 'previous']) {
    const link = paging[key]
    if (typeof link !== 'string' || !URL.canParse(link)) continue
    const query = new URLSearchParams(new URL(link).search)
    for (const name of PROXY_REFUSED_PARAMS) query.delete(name)
    paging[key] = `${base}?${query.toString()}`
  }
  return { ...body, paging }
}

function listOf(value: unknown): Record<string, unknown>[] {
  const data = isRecord(value) ? value['data'] : value
  return Array.isArray(data) ? data.filter(isRecord) : []
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
