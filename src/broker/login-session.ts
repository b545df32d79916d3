import { randomBytes } from 'node:crypto'
import { classifyDialogResponse } from '../meta/index.js'
import type { DialogAnswer, MetaClient, RedirectResult } from '../meta/index.js'
import { completeLogin } from './complete-login.js'
import { defaultLoginRedirectUri } from '../login-defaults.js'
import type { CompletedLogin } from './complete-login.js'

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
      fix: `give it as ${defaultLoginRedirectUri()} (scheme, host, port and path)`,
    }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      problem: `the redirect URI must start with https:// (or http:// for local tests), got "${url.protocol}"`,
      fix: `use ${defaultLoginRedirectUri()}, registered exactly like that in the App Dashboard`,
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
   * Exchanges the code, upgrades to a long-lived token and reads the account behind it, exactly
   * as the service's `/callback` does ({@link completeLogin}).
   * @throws MetaApiError, BrokerError: translate with `metaFailure(error, { step: 'sign-in' })`
   */
  exchange(code: string): Promise<CompletedLogin>
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
  return {
    state,
    authorizationUrl,
    parse: (redirect) => meta.parseRedirect(redirect, { expectedState: state }),
    exchange: (code) =>
      completeLogin(meta, code, {
        ...(options.scopes === undefined ? {} : { requestedScopes: options.scopes }),
        now,
      }),
  }
}

/**
 * Opens the login dialog once without cookies, as a browser would, to catch a refused app id,
 * redirect URI or scope before a person is sent there. Best effort: Meta may show a login page
 * first, and an answer that cannot be read (or no answer) is `unknown` (the browser shows the
 * rest). The answer is classified by src/meta's `classifyDialogResponse`, never by its wording here.
 */
export async function probeAuthorizationDialog(
  authorizationUrl: string,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } = {},
): Promise<DialogAnswer> {
  const fetchFn = options.fetch ?? fetch
  try {
    const response = await fetchFn(authorizationUrl, {
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    })
    const head = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      location: response.headers.get('location'),
    }
    // A redirect says everything in its Location.
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel()
      return classifyDialogResponse({ ...head, body: '' })
    }
    return classifyDialogResponse({ ...head, body: (await response.text()).slice(0, 20_000) })
  } catch {
    return { kind: 'unknown', status: 0 }
  }
}
