import { NeedsReauthError, errorFromAnswer } from './errors.js'
import type { AccountPage, ConnectLinkInput, CreatedConnectLink, TokenAnswer } from './types.js'

/** Options of {@link createIgtokenClient}. */
export interface IgtokenClientOptions {
  /** The service's address, e.g. `https://igtoken.example.com`. */
  readonly url: string
  /** An API key (`igt_…`) with the scopes the calls need. */
  readonly apiKey: string
  /** Default `globalThis.fetch` (Node ≥ 20, browsers, workers). */
  readonly fetch?: typeof fetch
  /** A cached token is fetched again this long before it expires. Default 5 minutes. */
  readonly tokenMarginMs?: number
  /** The clock, epoch ms (tests). */
  readonly now?: () => number
}

/** Options of {@link IgtokenClient.graph}. */
export interface GraphOptions {
  /** Default GET; POST and DELETE need a key with `graph:write`. */
  readonly method?: 'GET' | 'POST' | 'DELETE'
  /** POST parameters (sent as JSON; igtoken forwards them form-encoded). */
  readonly body?: Readonly<Record<string, string | number | boolean>>
}

/** The igtoken SDK. Every method throws an {@link IgtokenError} (or a subclass) on failure. */
export interface IgtokenClient {
  /** One page of accounts, newest first (`tokens:read`, `graph:read`, … any account scope). */
  accounts(options?: {
    readonly status?: string
    readonly limit?: number
    readonly cursor?: string
  }): Promise<AccountPage>
  /**
   * The account's token (`tokens:read`): cached until shortly before it expires, one request for
   * concurrent callers, fetched again once the service says `needs_reauth`.
   */
  token(accountId: string): Promise<TokenAnswer>
  /**
   * A Graph API call through igtoken's proxy (`graph:read`; writes `graph:write`): the app never
   * holds the token. `path` as after the version, e.g. `me/media`.
   */
  graph<T = unknown>(
    accountId: string,
    path: string,
    params?: Readonly<Record<string, string | number>>,
    options?: GraphOptions,
  ): Promise<T>
  readonly connectLinks: {
    /** Creates a single-use connect link to send a client (`links:manage`). */
    create(input?: ConnectLinkInput): Promise<CreatedConnectLink>
  }
}

interface CachedToken {
  readonly answer: TokenAnswer
  /** Epoch ms after which the cache is not used. */
  readonly freshUntil: number
}

// A token is asked for again after this long at most, whatever its expiry (60 days for a
// long-lived token, none for a Page token), so a reconnection or a revocation reaches a
// long-running app that only calls token().
const TOKEN_CACHE_MAX_MS = 10 * 60_000

/**
 * Creates a client of an igtoken service. No dependencies: `fetch` and Web Crypto only.
 * @param options - see {@link IgtokenClientOptions}
 */
export function createIgtokenClient(options: IgtokenClientOptions): IgtokenClient {
  const base = options.url.replace(/\/+$/, '')
  if (!/^https?:\/\//.test(base)) throw new TypeError('"url" must be an http(s) URL')
  if (typeof options.apiKey !== 'string' || options.apiKey === '') {
    throw new TypeError('"apiKey" is required')
  }
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const now = options.now ?? Date.now
  const margin = options.tokenMarginMs ?? 5 * 60_000
  const tokens = new Map<string, CachedToken>()
  const inflight = new Map<string, Promise<TokenAnswer>>()

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.apiKey}`,
      accept: 'application/json',
    }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await doFetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (!response.ok) {
      throw errorFromAnswer(response.status, parsed, response.headers.get('retry-after'))
    }
    return parsed as T
  }

  const id = (accountId: string) => encodeURIComponent(accountId)

  async function fetchToken(accountId: string): Promise<TokenAnswer> {
    const answer = await call<TokenAnswer>('GET', `/api/v1/accounts/${id(accountId)}/token`)
    const expires = answer.expires_at === null ? null : Date.parse(answer.expires_at)
    const freshUntil = Math.min(
      now() + TOKEN_CACHE_MAX_MS,
      expires === null ? Infinity : expires - margin,
    )
    tokens.set(accountId, { answer, freshUntil })
    return answer
  }

  return {
    async accounts(query = {}) {
      const search = new URLSearchParams()
      for (const [key, value] of Object.entries(query)) {
        search.set(key, String(value))
      }
      const suffix = search.size === 0 ? '' : `?${search.toString()}`
      return call<AccountPage>('GET', `/api/v1/accounts${suffix}`)
    },

    async token(accountId) {
      const cached = tokens.get(accountId)
      if (cached !== undefined && cached.freshUntil > now()) return cached.answer
      let running = inflight.get(accountId)
      if (running === undefined) {
        running = fetchToken(accountId).finally(() => inflight.delete(accountId))
        inflight.set(accountId, running)
      }
      return running
    },

    async graph<T>(
      accountId: string,
      path: string,
      params: Readonly<Record<string, string | number>> = {},
      graphOptions: GraphOptions = {},
    ): Promise<T> {
      const search = new URLSearchParams()
      for (const [key, value] of Object.entries(params)) search.set(key, String(value))
      const suffix = search.size === 0 ? '' : `?${search.toString()}`
      const clean = path.replace(/^\/+/, '')
      try {
        return await call<T>(
          graphOptions.method ?? 'GET',
          `/api/v1/accounts/${id(accountId)}/graph/${clean}${suffix}`,
          graphOptions.body,
        )
      } catch (error) {
        // The token is dead for the service too: a cached copy must not outlive it.
        if (error instanceof NeedsReauthError) tokens.delete(accountId)
        throw error
      }
    },

    connectLinks: {
      async create(input = {}) {
        return call<CreatedConnectLink>('POST', '/api/v1/connect-links', input)
      },
    },
  }
}
