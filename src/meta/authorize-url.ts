import { IGW_DEPRECATED_SCOPE, IGW_MISSPELLED_SCOPE, IGW_UNKNOWN_SCOPE } from './error-codes.js'
import { invalidArgType, invalidArgValue, requireString } from './errors.js'
import type { AuthorizeOption, Flavor } from './flavors/flavor.js'
import type { WarningHandler } from './warnings.js'
import { emitWarning } from './warnings.js'

/** Parameters of the login-dialog URL. */
export interface AuthorizationUrlParams {
  /** Anti-CSRF value, echoed back by Meta; required. */
  readonly state: string
  /** Defaults to the flavor's `defaultScopes`. */
  readonly scopes?: readonly string[]
  /** Instagram Login: `enable_fb_login=1|0`. */
  readonly enableFbLogin?: boolean
  /** Instagram Login: `force_authentication=1|0`. */
  readonly forceAuthentication?: boolean
  /** Instagram Login: `force_reauth=true` (seen in Meta's embed URLs; semantics unconfirmed). */
  readonly forceReauth?: boolean
  /** Facebook Login: re-ask declined permissions. */
  readonly authType?: 'rerequest'
  /** Facebook Login for Business: the configuration id, sent in place of `scope`. */
  readonly configId?: string
}

/** What `buildAuthorizationUrl` needs beyond the parameters. */
export interface AuthorizationUrlContext {
  readonly flavor: Flavor
  readonly appId: string
  readonly redirectUri: string
  readonly graphVersion: string
  readonly baseUrl: string
  readonly onWarning: WarningHandler | undefined
}

const OPTION_PARAM: Readonly<Record<AuthorizeOption, string>> = {
  enableFbLogin: 'enable_fb_login',
  forceAuthentication: 'force_authentication',
  forceReauth: 'force_reauth',
  authType: 'auth_type',
  configId: 'config_id',
}

/**
 * Builds the login-dialog URL of a flavor.
 *
 * @throws TypeError `ERR_INVALID_ARG_VALUE` for a missing or empty `state`, an option the flavor
 * does not know, or both `scopes` and `configId`.
 */
export function buildAuthorizationUrl(
  ctx: AuthorizationUrlContext,
  params: AuthorizationUrlParams,
): string {
  if (typeof params !== 'object' || (params as unknown) === null) {
    throw invalidArgType('"params" must be an object')
  }
  const state = requireString(params.state, 'state')
  const { flavor } = ctx
  for (const option of Object.keys(OPTION_PARAM) as AuthorizeOption[]) {
    if (params[option] === undefined) continue
    if (!flavor.authorizeOptions.includes(option)) {
      throw invalidArgValue(`"${option}" is not supported by the "${flavor.name}" flavor`)
    }
  }
  if (params.configId !== undefined && params.scopes !== undefined) {
    throw invalidArgValue('"configId" replaces "scopes": pass one of them')
  }

  const url = new URL(
    ctx.baseUrl + flavor.endpoints.authorize.path.replace('{version}', ctx.graphVersion),
  )
  const q = url.searchParams
  q.set('client_id', ctx.appId)
  q.set('redirect_uri', ctx.redirectUri)
  q.set('response_type', 'code')
  if (params.configId !== undefined) {
    q.set('config_id', requireString(params.configId, 'configId'))
  } else {
    q.set(
      'scope',
      checkScopes(flavor, params.scopes ?? flavor.defaultScopes, ctx.onWarning).join(','),
    )
  }
  q.set('state', state)
  if (params.enableFbLogin !== undefined)
    q.set('enable_fb_login', bool01(params.enableFbLogin, 'enableFbLogin'))
  if (params.forceAuthentication !== undefined) {
    q.set('force_authentication', bool01(params.forceAuthentication, 'forceAuthentication'))
  }
  if (params.forceReauth === true) q.set('force_reauth', 'true')
  if (params.authType !== undefined) {
    if ((params.authType as unknown) !== 'rerequest')
      throw invalidArgValue('"authType" must be "rerequest"')
    q.set('auth_type', 'rerequest')
  }
  return url.toString()
}

function bool01(value: unknown, name: string): string {
  if (typeof value !== 'boolean') throw invalidArgType(`"${name}" must be a boolean`)
  return value ? '1' : '0'
}

function checkScopes(
  flavor: Flavor,
  scopes: readonly string[],
  onWarning: WarningHandler | undefined,
): string[] {
  if (!Array.isArray(scopes)) throw invalidArgType('"scopes" must be an array of strings')
  const out: string[] = []
  for (const scope of scopes as readonly unknown[]) {
    if (typeof scope !== 'string' || scope.trim() === '' || /[,\s]/.test(scope.trim())) {
      throw invalidArgValue('"scopes" must hold non-empty scope names without commas or spaces')
    }
    const name = scope.trim()
    const renamed = flavor.renamedScopes[name]
    if (renamed !== undefined) {
      if (renamed.why === 'misspelled') {
        emitWarning(
          onWarning,
          `scope "${name}" is a misspelling from an old Meta doc revision; use "${renamed.use}" (Meta answers "Business and user permissions are mutually exclusive")`,
          IGW_MISSPELLED_SCOPE,
        )
      } else {
        emitWarning(
          onWarning,
          `scope "${name}" was deprecated by Meta on 2025-01-27; use "${renamed.use}"`,
          IGW_DEPRECATED_SCOPE,
        )
      }
    } else if (!flavor.knownScopes.includes(name)) {
      emitWarning(
        onWarning,
        `scope "${name}" is not a known scope of the "${flavor.name}" flavor; passed through unchanged`,
        IGW_UNKNOWN_SCOPE,
      )
    }
    if (!out.includes(name)) out.push(name)
  }
  if (out.length === 0) throw invalidArgValue('"scopes" must not be empty')
  return out
}
