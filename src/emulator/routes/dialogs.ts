import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../app.js'
import { assertInstagramDialogRole, hasAccess } from '../app-access.js'
import { DialogError, InstagramDialogFail, InstagramOAuthError } from '../errors.js'
import { formOf, queryOf } from '../http.js'
import { infoOf } from '../request-info.js'
import { CONFIG_ID_SCOPES, SCOPES, splitScopes } from '../scopes.js'
import { isPageGranted, setGrantedPages } from '../page-grants.js'
import type { EmulatorApp, FlavorName } from '../types.js'

type DialogHost = 'www.instagram.com' | 'api.instagram.com' | 'www.facebook.com'

/** Parameters carried from the GET through the form's hidden fields to the POST. */
const CARRIED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'config_id',
] as const

interface ValidAuthorize {
  app: EmulatorApp
  flavor: FlavorName
  redirectUri: string
  scopes: string[]
  state: string | undefined
  brand: 'instagram' | 'facebook'
}

const FB_URL_BLOCKED =
  "URL Blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs."

const FB_APP_NOT_ACTIVE =
  'App not active: This app is not currently accessible and the app developer is aware of the issue. You will be able to log in when the app is reactivated.'

function redirectAllowed(app: EmulatorApp, uri: string): boolean {
  if (!app.redirectUris.includes(uri)) return false
  return app.allowHttpRedirects !== false || uri.startsWith('https:')
}

/**
 * Validates authorize parameters the way Meta does before showing anything: a bad client or
 * redirect URI is an error page (never a redirect, which would be an open redirector).
 */
function validate(
  ctx: EmulatorContext,
  host: DialogHost,
  p: Record<string, string | undefined>,
): ValidAuthorize {
  const { state } = ctx
  const clientId = p['client_id']
  const redirectUri = p['redirect_uri']
  if (host === 'www.facebook.com') {
    const app = clientId ? state.apps.find((a) => a.metaAppId === clientId) : undefined
    if (!app || !state.flavorsOf(app).includes('facebook-login')) {
      throw new DialogError(
        'Invalid App ID: The provided app ID does not look like a valid app ID.',
        'facebook',
      )
    }
    if (!redirectUri || !redirectAllowed(app, redirectUri)) {
      throw new DialogError(FB_URL_BLOCKED, 'facebook')
    }
    const responseType = p['response_type'] ?? 'code'
    if (responseType !== 'code') {
      throw new DialogError(`Unsupported response_type: ${responseType}`, 'facebook')
    }
    const configId = p['config_id']
    let scopes = splitScopes(p['scope'])
    if (configId !== undefined && configId !== '') scopes = [...CONFIG_ID_SCOPES]
    const invalid = scopes.filter((s) => !(s in SCOPES['facebook-login']))
    if (invalid.length > 0) {
      throw new DialogError(
        `Invalid Scopes: ${invalid.join(', ')}. This message is only shown to developers. Users of your app will ignore these permissions if present. Please read the documentation for valid permissions at: https://developers.facebook.com/docs/facebook-login/permissions`,
        'facebook',
      )
    }
    if (!scopes.includes('public_profile')) scopes.unshift('public_profile')
    return {
      app,
      flavor: 'facebook-login',
      redirectUri,
      scopes,
      state: p['state'],
      brand: 'facebook',
    }
  }

  // Instagram's dialog answers refusals as JSON in its OAuth dialect, which browsers show as is.
  if (!clientId || !redirectUri || !p['response_type']) {
    throw new InstagramOAuthError(
      'You must include a valid client_id, response_type, and redirect_uri parameters',
    )
  }
  const app = state.apps.find((a) => a.instagramAppId === clientId)
  if (!app) throw new InstagramOAuthError('Invalid platform app')
  const scopes = splitScopes(p['scope'])
  const basicScopes = scopes.filter((s) => s in SCOPES['basic-display'])
  const businessScopes = scopes.filter((s) => s.startsWith('instagram_business_'))
  // A misspelled business scope reads as a user permission, so Meta calls the mix exclusive.
  const misspelled = businessScopes.some((s) => !(s in SCOPES['instagram-login']))
  if (misspelled || (basicScopes.length > 0 && businessScopes.length > 0)) {
    throw new InstagramDialogFail('Business and user permissions are mutually exclusive')
  }
  const basic = scopes.length > 0 && basicScopes.length === scopes.length
  // api.instagram.com serves both Basic Display and (per the reference page) Instagram Login.
  const flavor: FlavorName =
    host === 'api.instagram.com' && basic ? 'basic-display' : 'instagram-login'
  if (!state.flavorsOf(app).includes(flavor)) throw new InstagramOAuthError('Invalid platform app')
  if (!redirectAllowed(app, redirectUri)) throw new InstagramOAuthError('Invalid redirect_uri')
  if (p['response_type'] !== 'code') {
    throw new InstagramOAuthError(`Invalid response_type: ${p['response_type']}`)
  }
  if (flavor === 'basic-display' && state.config.basicDisplay === 'shut-down') {
    throw new InstagramOAuthError(`Invalid scope: [${scopes.join(',')}]`)
  }
  const invalid = scopes.filter((s) => !(s in SCOPES[flavor]))
  if (scopes.length === 0 || invalid.length > 0) {
    throw new InstagramOAuthError(`Invalid scope: [${invalid.join(',')}]`)
  }
  if (flavor === 'basic-display' && !scopes.includes('user_profile')) {
    throw new InstagramOAuthError('Invalid scope: [user_profile is required]')
  }
  return { app, flavor, redirectUri, scopes, state: p['state'], brand: 'instagram' }
}

function eligibleUsers(ctx: EmulatorContext, flavor: FlavorName): { id: string; label: string }[] {
  const out: { id: string; label: string }[] = []
  for (const u of ctx.state.users.values()) {
    if (flavor === 'facebook-login') {
      if (u.kind === 'facebook') out.push({ id: u.id, label: u.name })
    } else if (
      u.kind === 'instagram' &&
      (flavor === 'basic-display' || u.accountType !== 'PERSONAL')
    ) {
      out.push({ id: u.id, label: `@${u.username} (${u.accountType})` })
    }
  }
  return out
}

/** Facebook's "Choose the Pages" step: every listed person's Pages, checked when granted now. */
function pageChoices(ctx: EmulatorContext, v: ValidAuthorize): Record<string, unknown>[] {
  if (v.brand !== 'facebook') return []
  return [...ctx.state.users.values()].flatMap((u) =>
    u.kind !== 'facebook'
      ? []
      : u.pages.map((p) => ({
          field: `page_${p.id}`,
          label: `${p.name}${p.instagramUserId === undefined ? '' : ' (Instagram linked)'} · ${u.name}`,
          checked: isPageGranted(ctx.state, v.app, u.id, p.id),
        })),
  )
}

/** Applies the Page choice of a submitted Facebook dialog (a form without the step keeps it). */
function applyPageChoice(
  ctx: EmulatorContext,
  v: ValidAuthorize,
  userId: string,
  params: Record<string, string | undefined>,
): void {
  const user = ctx.state.fbUser(userId)
  if (v.brand !== 'facebook' || params['choose_pages'] !== '1' || !user) return
  const chosen = user.pages.filter((p) => params[`page_${p.id}`] !== undefined).map((p) => p.id)
  setGrantedPages(ctx.state, v.app, userId, chosen)
}

function appendQuery(uri: string, query: string): string {
  return uri + (uri.includes('?') ? '&' : '?') + query
}

function stateParam(state: string | undefined): string {
  return state === undefined ? '' : `&state=${encodeURIComponent(state)}`
}

function handleDialog(
  ctx: EmulatorContext,
  host: DialogHost,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const isPost = req.method === 'POST'
  // The POST re-validates everything from the submitted fields: hidden inputs are user input.
  const params = isPost ? formOf(req) : queryOf(req)
  const v = validate(ctx, host, params)
  infoOf(req).appId = v.app.metaAppId
  const users = eligibleUsers(ctx, v.flavor)
  if (!isPost) {
    const hidden = CARRIED.filter((k) => params[k] !== undefined).map((name) => ({
      name,
      value: params[name] ?? '',
    }))
    const html = ctx.views.render('./consent', {
      brand: v.brand === 'instagram' ? 'Instagram' : 'Facebook',
      appName: v.app.name,
      permissions: v.scopes.map((s) => SCOPES[v.flavor][s] ?? s),
      hidden,
      users,
      pages: pageChoices(ctx, v),
    })
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)
  }
  const decision = params['decision']
  if (decision === 'cancel') {
    const query =
      'error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request'
    return reply.redirect(appendQuery(v.redirectUri, query + stateParam(v.state)), 302)
  }
  const userId = params['user_id']
  if (decision !== 'allow' || !userId || !users.some((u) => u.id === userId)) {
    throw new DialogError('Choose one of the listed accounts, then Allow or Cancel.', v.brand)
  }
  infoOf(req).userId = userId
  if (v.brand === 'facebook' && !hasAccess(v.app, userId))
    throw new DialogError(FB_APP_NOT_ACTIVE, 'facebook')
  if (v.brand === 'instagram') assertInstagramDialogRole(ctx.state, v.app, userId)
  applyPageChoice(ctx, v, userId, params)
  const code = ctx.state.mintCode({
    flavor: v.flavor,
    app: v.app,
    redirectUri: v.redirectUri,
    userId,
    scopes: v.scopes,
  })
  const fragment = v.brand === 'instagram' ? '#_' : '#_=_'
  return reply.redirect(
    appendQuery(v.redirectUri, `code=${encodeURIComponent(code)}${stateParam(v.state)}`) + fragment,
    302,
  )
}

/** The login dialogs: www.instagram.com, api.instagram.com and www.facebook.com/vNN.0. */
export function registerDialogRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const host of ['www.instagram.com', 'api.instagram.com'] as const) {
    app.route({
      method: ['GET', 'POST'],
      url: `/${host}/oauth/authorize`,
      handler: (req, reply) => handleDialog(ctx, host, req, reply),
    })
  }
  app.route({
    method: ['GET', 'POST'],
    url: '/www.facebook.com/:version/dialog/oauth',
    handler: (req, reply) => {
      if (infoOf(req).version === undefined) {
        throw new DialogError("Sorry, this page isn't available.", 'facebook', 404)
      }
      return handleDialog(ctx, 'www.facebook.com', req, reply)
    },
  })
  app.route({
    method: ['GET', 'POST'],
    url: '/www.facebook.com/dialog/oauth',
    handler: (req, reply) => handleDialog(ctx, 'www.facebook.com', req, reply),
  })
}
