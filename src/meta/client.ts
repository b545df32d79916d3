import type { AuthorizationUrlParams } from './authorize-url.js'
import { forwardGraphCall } from './graph-proxy.js'
import type { ProxyAnswer, ProxyCall } from './graph-proxy.js'
import { buildAuthorizationUrl } from './authorize-url.js'
import type { ClientContext } from './client-context.js'
import { exchangeCode } from './code-exchange.js'
import { IGW_DEPRECATED_FLAVOR } from './error-codes.js'
import { invalidArgType, invalidArgValue, requireString } from './errors.js'
import type { Flavor, FlavorName } from './flavors/flavor.js'
import { getFlavor } from './flavors/index.js'
import type { MetaHost } from './hosts.js'
import { META_HOSTS, isMetaHost } from './hosts.js'
import type { RefreshOptions } from './long-lived-token.js'
import { exchangeForLongLivedToken, refreshLongLivedToken } from './long-lived-token.js'
import type { ListMediaOptions } from './media.js'
import { listMedia } from './media.js'
import { getInstagramBusinessAccount, listPages } from './pages.js'
import type { ProfileOptions } from './profile.js'
import { getProfile } from './profile.js'
import type { RedirectResult } from './redirect-parser.js'
import { parseRedirect } from './redirect-parser.js'
import { inspectToken } from './token-inspection.js'
import type {
  FacebookPage,
  LongLivedToken,
  MediaPage,
  Profile,
  ShortLivedToken,
  TokenInspection,
} from './types.js'
import type { UsageReading } from './usage-headers.js'
import { emitWarning } from './warnings.js'

/** Default Graph API version (the latest the stored Meta docs name; v26 is unconfirmed). */
export const DEFAULT_GRAPH_VERSION = 'v25.0'
/** Default timeout of every call to Meta, in ms. */
export const DEFAULT_TIMEOUT_MS = 10_000
/** Default number of retries for calls that are safe to repeat. */
export const DEFAULT_RETRIES = 2

/** Options of {@link createMetaClient}. */
export interface MetaClientOptions {
  /** Which login flavor; see `getFlavor`. */
  readonly flavor: FlavorName
  /** Instagram App ID (Instagram flavors) or Meta App ID (Facebook Login). */
  readonly appId: string
  /** The secret matching `appId`. */
  readonly appSecret: string
  /** Must equal a registered redirect URI exactly (mind the trailing slash). */
  readonly redirectUri: string
  /** Graph API version such as `v25.0` (default {@link DEFAULT_GRAPH_VERSION}). */
  readonly graphVersion?: string
  /** Override the base URL of a Meta host, e.g. with `emulatorBaseUrls(...)`. */
  readonly baseUrls?: Partial<Record<MetaHost, string>>
  /** `fetch` to use (default the global one). */
  readonly fetch?: typeof fetch
  /** Timeout per attempt in ms (default 10 000). */
  readonly timeoutMs?: number
  /** Retries of calls that are safe to repeat, on 5xx, timeouts and network errors (default 2). */
  readonly retries?: number
  /** Clock in epoch ms (default `Date.now`). */
  readonly now?: () => number
  /** Send `appsecret_proof` (default `off`). */
  readonly appSecretProof?: 'timed' | 'untimed' | 'off'
  /**
   * Hosts that get `appsecret_proof` (default `['graph.facebook.com']`; whether
   * graph.instagram.com checks it is unconfirmed).
   */
  readonly appSecretProofHosts?: readonly MetaHost[]
  /** Receives warnings (default `process.emitWarning`). */
  readonly onWarning?: (message: string, code: string) => void
  /** Receives the usage reading of every successful answer that carries usage headers. */
  readonly onUsage?: (usage: UsageReading) => void
}

/** A client for one app and one login flavor. */
export interface MetaClient {
  /** The flavor's data. */
  readonly flavor: Flavor
  /** The login-dialog URL. */
  buildAuthorizationUrl(params: AuthorizationUrlParams): string
  /** Reads the redirect back from the login dialog and checks `state`. */
  parseRedirect(
    input: string | URL | URLSearchParams,
    check: { readonly expectedState: string },
  ): RedirectResult
  /** Exchanges a code for a short-lived token (never retried). */
  exchangeCode(code: string): Promise<ShortLivedToken>
  /** Upgrades a short-lived token to a long-lived one. */
  exchangeForLongLivedToken(shortLivedToken: string): Promise<LongLivedToken>
  /** Refreshes a long-lived Instagram token (at least 24 h old and unexpired). */
  refreshLongLivedToken(token: string, opts?: RefreshOptions): Promise<LongLivedToken>
  /** Reads the profile behind a token. */
  getProfile(token: string, opts?: ProfileOptions): Promise<Profile>
  /** Reads media, following pages up to `maxPages`. */
  listMedia(token: string, opts?: ListMediaOptions): Promise<MediaPage>
  /** Asks Meta whether a token is valid and what it grants. */
  inspectToken(token: string): Promise<TokenInspection>
  /** Facebook Login: the user's Pages with Page tokens. */
  listPages(userToken: string): Promise<FacebookPage[]>
  /** Facebook Login: the Instagram account linked to a Page. */
  getInstagramBusinessAccount(pageId: string, token: string): Promise<{ id: string } | null>
  /** A Graph call on the flavor's host for the Graph proxy (`graph-proxy.ts`). */
  forward(token: string, call: ProxyCall): Promise<ProxyAnswer>
}

function positiveNumber(value: unknown, name: string, integer: boolean, min: number): number {
  if (typeof value !== 'number') throw invalidArgType(`"${name}" must be a number`)
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw invalidArgValue(`"${name}" must be ${integer ? 'an integer' : 'a number'} >= ${min}`)
  }
  return value
}

function baseUrlsOf(
  overrides: Partial<Record<MetaHost, string>> | undefined,
): Record<MetaHost, string> {
  const out = {} as Record<MetaHost, string>
  for (const host of META_HOSTS) out[host] = `https://${host}`
  if (overrides === undefined) return out
  if (typeof overrides !== 'object') throw invalidArgType('"baseUrls" must be an object')
  for (const [host, url] of Object.entries(overrides as Record<string, unknown>)) {
    if (!isMetaHost(host)) throw invalidArgValue(`"baseUrls" has an unknown host "${host}"`)
    if (url === undefined) continue
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url)) {
      throw invalidArgValue(`"baseUrls.${host}" must be an http(s) URL`)
    }
    out[host] = url.replace(/\/+$/, '')
  }
  return out
}

/**
 * Creates a client for one app and flavor. Choosing `basic-display` emits an
 * `IGW_DEPRECATED_FLAVOR` warning.
 *
 * @throws TypeError `ERR_INVALID_ARG_VALUE` / `ERR_INVALID_ARG_TYPE` for bad options.
 */
export function createMetaClient(options: MetaClientOptions): MetaClient {
  if (typeof options !== 'object') throw invalidArgType('"options" must be an object')
  const flavor = getFlavor(options.flavor)
  const redirectUri = requireString(options.redirectUri, 'redirectUri')
  if (!URL.canParse(redirectUri) || redirectUri.includes('#')) {
    throw invalidArgValue('"redirectUri" must be an absolute URL without a fragment')
  }
  const graphVersion = options.graphVersion ?? DEFAULT_GRAPH_VERSION
  if (typeof (graphVersion as unknown) !== 'string' || !/^v\d+\.\d+$/.test(graphVersion)) {
    throw invalidArgValue('"graphVersion" must look like "v25.0"')
  }
  const fetchFn = options.fetch ?? globalThis.fetch
  if (typeof fetchFn !== 'function') throw invalidArgType('"fetch" must be a function')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw invalidArgType('"now" must be a function')
  const appSecretProof = options.appSecretProof ?? 'off'
  if (!['timed', 'untimed', 'off'].includes(appSecretProof)) {
    throw invalidArgValue('"appSecretProof" must be "timed", "untimed" or "off"')
  }
  const proofHosts = options.appSecretProofHosts ?? ['graph.facebook.com']
  if (
    !Array.isArray(proofHosts) ||
    !proofHosts.every((h) => typeof h === 'string' && isMetaHost(h))
  ) {
    throw invalidArgValue('"appSecretProofHosts" must list Meta hosts')
  }
  const ctx: ClientContext = {
    flavor,
    appId: requireString(options.appId, 'appId'),
    appSecret: requireString(options.appSecret, 'appSecret'),
    redirectUri,
    graphVersion,
    baseUrls: baseUrlsOf(options.baseUrls),
    fetch: fetchFn,
    timeoutMs: positiveNumber(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs', false, 1),
    retries: positiveNumber(options.retries ?? DEFAULT_RETRIES, 'retries', true, 0),
    now,
    appSecretProof,
    appSecretProofHosts: proofHosts,
    onWarning: options.onWarning,
    onUsage: options.onUsage,
  }
  if (flavor.deprecated !== undefined) {
    emitWarning(ctx.onWarning, flavor.deprecated.message, IGW_DEPRECATED_FLAVOR)
  }
  return Object.freeze({
    flavor,
    buildAuthorizationUrl: (params: AuthorizationUrlParams) =>
      buildAuthorizationUrl(
        {
          flavor,
          appId: ctx.appId,
          redirectUri,
          graphVersion,
          baseUrl: ctx.baseUrls[flavor.endpoints.authorize.host],
          onWarning: ctx.onWarning,
        },
        params,
      ),
    parseRedirect: (
      input: string | URL | URLSearchParams,
      check: { readonly expectedState: string },
    ) => parseRedirect(input, check),
    exchangeCode: (code: string) => exchangeCode(ctx, code),
    exchangeForLongLivedToken: (token: string) => exchangeForLongLivedToken(ctx, token),
    refreshLongLivedToken: (token: string, opts?: RefreshOptions) =>
      refreshLongLivedToken(ctx, token, opts),
    getProfile: (token: string, opts?: ProfileOptions) => getProfile(ctx, token, opts),
    listMedia: (token: string, opts?: ListMediaOptions) => listMedia(ctx, token, opts),
    inspectToken: (token: string) => inspectToken(ctx, token),
    listPages: (userToken: string) => listPages(ctx, userToken),
    getInstagramBusinessAccount: (pageId: string, token: string) =>
      getInstagramBusinessAccount(ctx, pageId, token),
    forward: (token: string, call: ProxyCall) => forwardGraphCall(ctx, token, call),
  })
}
