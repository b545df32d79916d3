import { randomBytes } from 'node:crypto'
import { AuthorizationDeniedError, BrokerError, MetaApiError } from '../meta/index.js'
import type { FlavorName, MetaClient, RedirectResult } from '../meta/index.js'
import type { TokenKind } from '../store/index.js'
import { USER_TOKEN_KIND } from './token-kinds.js'

/** Where Meta is told to send the browser back, as the CLI reads it. */
export interface RedirectUriInfo {
  readonly url: URL
  /** The exact string to register in the App Dashboard (what we send as `redirect_uri`). */
  readonly exact: string
  readonly https: boolean
  /** Whether it points at this machine, so a local listener can catch the redirect. */
  readonly loopback: boolean
  /** The port to listen on (the URL's, or 443/80). */
  readonly port: number
}

/** Why a redirect URI cannot be used, and what to do. */
export interface RedirectUriProblem {
  readonly problem: string
  readonly fix: string
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Checks a redirect URI before anything is sent to Meta: absolute http(s), no fragment (Meta
 * forbids `#`), no credentials. Meta compares it character for character with the registered one.
 */
export function checkRedirectUri(value: string): RedirectUriInfo | RedirectUriProblem {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return {
      problem: `the redirect URI "${value}" is not an absolute URL`,
      fix: 'give it as https://localhost:8443/callback (scheme, host, port and path)',
    }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      problem: `the redirect URI must start with https:// (or http:// for local tests), got "${url.protocol}"`,
      fix: 'use https://localhost:8443/callback, registered exactly like that in the App Dashboard',
    }
  }
  if (value.includes('#')) {
    return {
      problem: 'the redirect URI contains "#": Meta refuses redirect URIs with a fragment',
      fix: 'drop everything from "#" on, and register the URI without it',
    }
  }
  if (url.username !== '' || url.password !== '') {
    return {
      problem: 'the redirect URI contains a user name or password',
      fix: 'remove the "user:password@" part',
    }
  }
  const https = url.protocol === 'https:'
  return {
    url,
    exact: value,
    https,
    loopback: LOOPBACK_HOSTS.has(url.hostname),
    port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
  }
}

/** A token won through `igtoken login`. */
export interface LoginResult {
  readonly flavor: FlavorName
  readonly kind: TokenKind
  readonly accessToken: string
  /** Epoch ms when the long-lived token was issued (this machine's clock). */
  readonly issuedAt: number
  readonly expiresAt: number
  readonly expiresIn: number
  /** The id apps call the Graph API with (Instagram professional account id when known). */
  readonly userId: string
  /** The app-scoped id that Meta's deauthorize and deletion callbacks name. */
  readonly metaUserId: string
  readonly username: string
  readonly accountType: string | null
  readonly scopes: readonly string[]
  /** Facebook Login: the Page token of the Page linked to the Instagram account. */
  readonly pageAccessToken?: string
}

/** One login: a fresh `state`, the authorization URL, and the steps after the redirect. */
export interface LoginSession {
  readonly state: string
  readonly authorizationUrl: string
  /**
   * Reads the redirect (a full URL, pasted with or without `#_`, or its query) and checks `state`.
   * @throws AuthorizationDeniedError, BrokerError `IGB_STATE_MISMATCH` / `IGB_REDIRECT_*`
   */
  parse(redirect: string | URL | URLSearchParams): RedirectResult
  /**
   * Exchanges the code, upgrades to a long-lived token and reads the account behind it.
   * @throws MetaApiError, BrokerError (see {@link explainLoginError})
   */
  exchange(code: string): Promise<LoginResult>
}

/**
 * Starts a login for one person at a terminal: no database, the `state` lives in memory only.
 *
 * @throws TypeError `ERR_INVALID_ARG_VALUE` for scopes the library refuses
 */
export function startLoginSession(
  meta: MetaClient,
  options: { readonly scopes?: readonly string[]; readonly now?: () => number } = {},
): LoginSession {
  const state = randomBytes(24).toString('base64url')
  const now = options.now ?? Date.now
  const authorizationUrl = meta.buildAuthorizationUrl({
    state,
    ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
  })
  const flavor = meta.flavor.name
  return {
    state,
    authorizationUrl,
    parse: (redirect) => meta.parseRedirect(redirect, { expectedState: state }),
    async exchange(code) {
      const short = await meta.exchangeCode(code)
      const long = await meta.exchangeForLongLivedToken(short.accessToken)
      const issuedAt = now()
      if (flavor === 'facebook-login') {
        const pages = await meta.listPages(long.accessToken)
        const page = pages.find((p) => p.instagramBusinessAccount !== null)
        if (page?.instagramBusinessAccount == null) {
          throw new BrokerError(
            'IGB_NO_INSTAGRAM_ACCOUNT',
            'none of the Facebook Pages you granted is linked to an Instagram professional account',
            { action: 'fix-request' },
          )
        }
        const profile = await meta.getProfile(long.accessToken, { fields: ['id', 'name'] })
        return {
          flavor,
          kind: USER_TOKEN_KIND[flavor],
          accessToken: long.accessToken,
          issuedAt,
          expiresAt: long.expiresAt,
          expiresIn: long.expiresIn,
          userId: page.instagramBusinessAccount.id,
          metaUserId: profile.id,
          username: page.instagramBusinessAccount.username ?? page.name,
          accountType: null,
          scopes: short.permissions,
          pageAccessToken: page.accessToken,
        }
      }
      const profile = await meta.getProfile(long.accessToken)
      return {
        flavor,
        kind: USER_TOKEN_KIND[flavor],
        accessToken: long.accessToken,
        issuedAt,
        expiresAt: long.expiresAt,
        expiresIn: long.expiresIn,
        userId: profile.userId ?? profile.id,
        metaUserId: short.userId ?? profile.id,
        username: profile.username,
        accountType: profile.accountType ?? null,
        scopes: short.permissions,
      }
    },
  }
}

/** A login failure explained for a first-time user. */
export interface LoginFailure {
  /** Short stable code for scripts (`--json`). */
  readonly code:
    | 'denied'
    | 'invalid_platform_app'
    | 'invalid_client_secret'
    | 'redirect_uri_not_registered'
    | 'code_expired'
    | 'scope_refused'
    | 'meta_unreachable'
    | 'no_instagram_account'
    | 'redirect_malformed'
    | 'meta_refused'
  readonly message: string
  readonly fix: string
  /** `unavailable` is worth retrying as is; `refused` needs the fix first. */
  readonly kind: 'refused' | 'unavailable'
}

const DASHBOARD_INSTAGRAM =
  'App Dashboard > Instagram > API setup with Instagram login > 3. Set up Instagram business login > Business login settings'

/**
 * Turns whatever a login step threw into a message that says what to do. Never includes the
 * code, token or secret (the library's messages are already scrubbed of them).
 */
export function explainLoginError(
  error: unknown,
  context: { readonly redirectUri: string; readonly flavor: FlavorName },
): LoginFailure {
  const register =
    context.flavor === 'facebook-login'
      ? 'App Dashboard > Facebook Login > Settings > Valid OAuth Redirect URIs'
      : `${DASHBOARD_INSTAGRAM} > OAuth redirect URIs`
  if (error instanceof AuthorizationDeniedError) {
    return {
      code: 'denied',
      message: "the sign-in was cancelled on Meta's page; no token was made",
      fix: 'run igtoken login again and press Allow',
      kind: 'refused',
    }
  }
  if (error instanceof MetaApiError) {
    const text = error.message
    if (/invalid platform app|invalid application id|invalid app id/i.test(text)) {
      return {
        code: 'invalid_platform_app',
        message: 'Meta answered "Invalid platform app": this app id is not an Instagram app id',
        fix:
          error.hint ??
          `use the Instagram app id and secret (${DASHBOARD_INSTAGRAM}), not the Meta app id at the top of the dashboard`,
        kind: 'refused',
      }
    }
    if (/client[_ ]secret/i.test(text)) {
      return {
        code: 'invalid_client_secret',
        message: 'Meta refused the app secret for this app id',
        fix:
          context.flavor === 'facebook-login'
            ? 'use the app secret of this Meta app (App Dashboard > App settings > Basic)'
            : `use the Instagram app secret shown beside the Instagram app id (${DASHBOARD_INSTAGRAM}), not the Meta app secret`,
        kind: 'refused',
      }
    }
    if (/redirect_uri|redirect uri|36008/i.test(text) || error.subcode === 36008) {
      return {
        code: 'redirect_uri_not_registered',
        message: 'Meta refused the redirect URI',
        fix: `register exactly ${context.redirectUri} (mind the trailing slash) in ${register}, or pass the registered one with --redirect-uri`,
        kind: 'refused',
      }
    }
    if (
      /matching code|authorization code has been used|code has expired|code was not found/i.test(
        text,
      ) ||
      error.subcode === 36009
    ) {
      return {
        code: 'code_expired',
        message:
          'Meta did not accept the authorization code: codes work once and expire after 1 hour',
        fix: 'run igtoken login again and finish within the hour; if it keeps failing, log out of Instagram in the browser first',
        kind: 'refused',
      }
    }
    if (/mutually exclusive|scope/i.test(text)) {
      return {
        code: 'scope_refused',
        message: `Meta refused the requested scopes: ${text}`,
        fix: 'ask only for current scopes, e.g. --scopes instagram_business_basic',
        kind: 'refused',
      }
    }
    if (error.action === 'retry-later') {
      return {
        code: 'meta_unreachable',
        message: `Meta asked to retry later: ${text}`,
        fix: 'wait a minute and run igtoken login again',
        kind: 'unavailable',
      }
    }
    return {
      code: 'meta_refused',
      message: `Meta refused the sign-in: ${text}`,
      fix: error.hint ?? 'check the app id, secret and redirect URI, then run igtoken login again',
      kind: 'refused',
    }
  }
  if (error instanceof BrokerError) {
    if (error.code === 'IGB_TIMEOUT' || error.code === 'IGB_NETWORK') {
      return {
        code: 'meta_unreachable',
        message: `Meta could not be reached: ${error.message}`,
        fix: 'check the network (and IGTOKEN_META_EMULATOR_URL when testing), then run igtoken login again',
        kind: 'unavailable',
      }
    }
    if (error.code === 'IGB_NO_INSTAGRAM_ACCOUNT') {
      return {
        code: 'no_instagram_account',
        message: error.message,
        fix: 'link the Instagram professional account to a Facebook Page, grant that Page, and run igtoken login again',
        kind: 'refused',
      }
    }
    if (error.code.startsWith('IGB_REDIRECT') || error.code === 'IGB_STATE_MISMATCH') {
      return {
        code: 'redirect_malformed',
        message: `the redirect cannot be used: ${error.message}`,
        fix: "paste the whole address from the browser's address bar after pressing Allow, from the same igtoken login run",
        kind: 'refused',
      }
    }
    return {
      code: 'meta_refused',
      message: `Meta's answer could not be used: ${error.message}`,
      fix: 'run igtoken login again; if it persists, report it with the output of igtoken doctor',
      kind: 'refused',
    }
  }
  return {
    code: 'meta_refused',
    message: error instanceof Error ? error.message : String(error),
    fix: 'run igtoken login again',
    kind: 'refused',
  }
}

/** What the login dialog said before anyone signed in, when it refused the request itself. */
export interface DialogProblem {
  readonly code: 'invalid_platform_app' | 'redirect_uri_not_registered' | 'scope_refused'
  readonly message: string
}

const DIALOG_ERRORS: readonly [RegExp, DialogProblem['code'], string][] = [
  [/Invalid platform app|Invalid App ID/i, 'invalid_platform_app', 'Invalid platform app'],
  [
    /Invalid redirect_uri|URL Blocked/i,
    'redirect_uri_not_registered',
    'the redirect URI is not registered',
  ],
  [/Invalid scope|Invalid Scopes|mutually exclusive/i, 'scope_refused', 'invalid scopes'],
]

/**
 * Opens the login dialog once without cookies, as a browser would, to catch a refused app id,
 * redirect URI or scope before a person is sent there. Best effort: Meta may show a login page
 * first, and any answer it cannot read means "no problem found" (the browser shows the rest).
 */
export async function probeAuthorizationDialog(
  authorizationUrl: string,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } = {},
): Promise<DialogProblem | null> {
  const fetchFn = options.fetch ?? fetch
  try {
    const response = await fetchFn(authorizationUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    })
    if (response.status < 400) {
      await response.body?.cancel()
      return null
    }
    const body = (await response.text()).slice(0, 20_000)
    for (const [pattern, code, what] of DIALOG_ERRORS) {
      if (pattern.test(body)) return { code, message: `Meta's login page answered: ${what}` }
    }
    return null
  } catch {
    return null
  }
}
