import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../app.js'
import { assertAppActive } from '../app-access.js'
import { GraphError, badParameter, tokenErrors, unsupportedGet } from '../errors.js'
import { renderFields, type FieldSpec } from '../fields.js'
import { formOf, sendJson } from '../http.js'
import { infoOf } from '../request-info.js'
import { isPageGranted } from '../page-grants.js'
import type { EmulatorState, TokenRecord } from '../state.js'
import type { EmulatorApp, FacebookUser } from '../types.js'
import { secretsEqual } from './api-instagram-com.js'
import {
  answer,
  answerMedia,
  authenticate,
  checkAppSecretProof,
  fbInstagramUserNode,
  fieldsOf,
  mediaNode,
  pageOf,
  queryOf,
  readToken,
  requestOrigin,
  unknownPath,
} from './graph-common.js'

const PAGE_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE']
const noPermission = (): GraphError =>
  new GraphError('(#10) Application does not have permission for this action', { code: 10 })

function requireApp(state: EmulatorState, p: Record<string, string | undefined>): EmulatorApp {
  const clientId = p['client_id']
  if (!clientId) throw badParameter('Missing client_id parameter.', 101)
  // An Instagram app id gets this whatever the secret: Meta cannot load it as a Facebook app.
  if (state.apps.some((a) => a.instagramAppId === clientId)) {
    throw badParameter(
      'Error validating application. Cannot get application info due to a system error.',
      101,
    )
  }
  const app = state.apps.find((a) => a.metaAppId === clientId)
  if (!app || !state.flavorsOf(app).includes('facebook-login')) {
    throw badParameter('Error validating application. Invalid application ID.', 101)
  }
  assertAppActive(app)
  if (!p['client_secret']) throw badParameter('Missing client_secret parameter.', 101)
  if (!secretsEqual(p['client_secret'], app.metaAppSecret)) {
    throw new GraphError('Error validating client secret.', { code: 1 })
  }
  return app
}

/** §3.2 code exchange and §3.3 `fb_exchange_token`, both on `/oauth/access_token`. */
function oauthAccessToken(
  ctx: EmulatorContext,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const { state } = ctx
  const p = { ...queryOf(req), ...formOf(req) }
  const app = requireApp(state, p)
  infoOf(req).appId = app.metaAppId
  if (p['grant_type'] === 'fb_exchange_token') {
    const raw = p['fb_exchange_token']
    if (!raw) throw badParameter('Missing fb_exchange_token parameter.')
    const rec = authenticate(state, req, raw, 'facebook', false)
    if (rec.app !== app) throw tokenErrors.cannotParse()
    if (rec.kind !== 'fb-user-short' && rec.kind !== 'fb-user-long') {
      throw badParameter('(#100) fb_exchange_token must be a user access token')
    }
    const long = state.mintToken({
      kind: 'fb-user-long',
      flavor: 'facebook-login',
      app,
      userId: rec.userId,
      scopes: rec.scopes,
      lifetimeSec: state.config.longLivedTokenSec,
    })
    return sendJson(reply, {
      access_token: long.token,
      token_type: 'bearer',
      expires_in: state.config.longLivedTokenSec,
    })
  }
  if (!p['redirect_uri']) throw badParameter('Missing redirect_uri parameter.', 191)
  const code = p['code']
  if (!code) throw badParameter('Missing code parameter.')
  const rec = state.codes.get(code)
  if (!rec || rec.app !== app || rec.flavor !== 'facebook-login') {
    throw badParameter('Invalid verification code format.')
  }
  if (rec.used) {
    throw new GraphError('This authorization code has been used.', {
      code: 100,
      subcode: 36009,
      wwwAuthenticate: 'invalid_code',
    })
  }
  if (state.now() - rec.issuedAt >= state.config.codeLifetimeSec * 1000) {
    // As Meta sent it (no subcode; 36007 was never seen), with the invalid_code header.
    throw new GraphError('This authorization code has expired.', {
      code: 100,
      wwwAuthenticate: 'invalid_code',
    })
  }
  if (rec.redirectUri !== p['redirect_uri']) {
    throw new GraphError(
      'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      { code: 100, subcode: 36008 },
    )
  }
  rec.used = true
  infoOf(req).userId = rec.userId
  const token = state.mintToken({
    kind: 'fb-user-short',
    flavor: 'facebook-login',
    app,
    userId: rec.userId,
    scopes: rec.scopes,
    lifetimeSec: state.config.shortLivedTokenSec,
  })
  infoOf(req).tokenFingerprint = token.fingerprint
  return sendJson(reply, {
    access_token: token.token,
    token_type: 'bearer',
    expires_in: state.config.shortLivedTokenSec,
  })
}

function granularScopes(
  state: EmulatorState,
  rec: TokenRecord,
): { scope: string; target_ids?: string[] }[] {
  const user = state.fbUser(rec.userId)
  const pages = (user?.pages ?? []).filter(
    (p) =>
      (rec.pageId === undefined || p.id === rec.pageId) &&
      isPageGranted(state, rec.app, rec.userId, p.id),
  )
  return rec.scopes.map((scope) => {
    if (scope.startsWith('pages_')) return { scope, target_ids: pages.map((p) => p.id) }
    if (scope.startsWith('instagram_')) {
      return {
        scope,
        target_ids: pages.flatMap((p) => (p.instagramUserId ? [p.instagramUserId] : [])),
      }
    }
    return { scope }
  })
}

/** §3.4 `debug_token` with an app token `{app-id}|{app-secret}`. */
function debugToken(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { state } = ctx
  const q = queryOf(req)
  const appToken = readToken(req, q) ?? ''
  const bar = appToken.indexOf('|')
  const app = bar > 0 ? state.apps.find((a) => a.metaAppId === appToken.slice(0, bar)) : undefined
  if (!app || !secretsEqual(appToken.slice(bar + 1), app.metaAppSecret)) {
    throw badParameter(
      '(#100) You must provide an app access token or a user access token that is an owner or developer of the app',
    )
  }
  infoOf(req).appId = app.metaAppId
  assertAppActive(app)
  const input = q['input_token']
  if (!input) throw badParameter('(#100) The parameter input_token is required')
  const rec = state.tokens.get(input)
  if (!rec || rec.flavor !== 'facebook-login') {
    return sendJson(reply, {
      data: {
        error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
        is_valid: false,
        scopes: [],
      },
    })
  }
  if (rec.app !== app) {
    throw badParameter('(#100) The App_id in the input_token did not match the Viewing App')
  }
  infoOf(req).userId = rec.userId
  infoOf(req).tokenFingerprint = rec.fingerprint
  const data: Record<string, unknown> = {
    app_id: app.metaAppId,
    type: rec.kind === 'fb-page' ? 'PAGE' : 'USER',
    application: app.name,
    data_access_expires_at: Math.floor(rec.issuedAt / 1000) + state.config.dataAccessSec,
    expires_at: rec.expiresAt === 0 ? 0 : Math.floor(rec.expiresAt / 1000),
    is_valid: true,
    issued_at: Math.floor(rec.issuedAt / 1000),
  }
  if (rec.pageId !== undefined) data['profile_id'] = rec.pageId
  data['scopes'] = rec.scopes
  data['granular_scopes'] = granularScopes(state, rec)
  data['user_id'] = rec.appScopedId
  try {
    authenticate(state, req, input, 'facebook', false)
  } catch (err) {
    if (!(err instanceof GraphError)) throw err
    data['is_valid'] = false
    const error: Record<string, unknown> = { code: err.init.code, message: err.message }
    if (err.init.subcode !== undefined) error['subcode'] = err.init.subcode
    data['error'] = error
  }
  return sendJson(reply, { data })
}

/** A Page token for the user's token: never-expiring from a long-lived user token (§3.3). */
function pageToken(state: EmulatorState, rec: TokenRecord, pageId: string): string {
  const key = `${rec.fingerprint}:${pageId}`
  const known = state.pageTokens.get(key)
  const existing = known === undefined ? undefined : state.tokens.get(known)
  if (existing && existing.invalid === undefined) return existing.token
  const lifetimeSec =
    rec.kind === 'fb-user-long' ? 0 : Math.max(1, Math.ceil((rec.expiresAt - state.now()) / 1000))
  const page = state.mintToken({
    kind: 'fb-page',
    flavor: 'facebook-login',
    app: rec.app,
    userId: rec.userId,
    scopes: rec.scopes,
    lifetimeSec,
    pageId,
  })
  state.pageTokens.set(key, page.token)
  return page.token
}

function pageNode(
  ctx: EmulatorContext,
  rec: TokenRecord,
  page: FacebookUser['pages'][number],
  specs: FieldSpec[],
): Record<string, unknown> {
  const { state } = ctx
  return renderFields(specs, 'Page', {
    id: () => page.id,
    name: () => page.name,
    category: () => 'Brand',
    tasks: () => PAGE_TASKS,
    access_token: () => (rec.kind === 'fb-page' ? rec.token : pageToken(state, rec, page.id)),
    instagram_business_account: (sub) => {
      const ig = page.instagramUserId === undefined ? undefined : state.igUser(page.instagramUserId)
      if (!ig) return undefined
      if (!rec.scopes.includes('instagram_basic')) throw noPermission()
      return fbInstagramUserNode(ig, sub ?? fieldsOf({}, 'id'))
    },
  })
}

/** Graph reads on graph.facebook.com: /me, /me/accounts, Pages, IG users, media. */
function graphRead(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { state } = ctx
  const info = infoOf(req)
  const s = info.segments
  const id = s[0] ?? ''
  if (info.endpoint === 'fb.unknown' || info.endpoint.endsWith('_unknown')) {
    if (s.length <= 1) throw unsupportedGet(id, req.method.toLowerCase())
    throw unknownPath(s)
  }
  if (req.method !== 'GET') throw unsupportedGet(id, req.method.toLowerCase())
  const q = queryOf(req)
  const isMe = id === 'me'
  const rec = authenticate(state, req, readToken(req, q), 'facebook', isMe)
  checkAppSecretProof(state, q, rec, 'facebook')
  const user = state.fbUser(rec.userId)
  if (!user) throw unsupportedGet(id)
  const edge = s[1]
  // Only the Pages the person granted this app, in the dialog or later (page-grants.ts).
  const pages = user.pages.filter(
    (p) =>
      (rec.pageId === undefined || p.id === rec.pageId) &&
      isPageGranted(state, rec.app, rec.userId, p.id),
  )
  const pageOfId = (pid: string) => pages.find((p) => p.id === pid)

  if (isMe && rec.pageId !== undefined && edge === undefined) {
    const page = pageOfId(rec.pageId)
    if (!page) throw unsupportedGet(id)
    return answer(ctx, reply, rec, pageNode(ctx, rec, page, fieldsOf(q, 'id,name')), page.id)
  }
  if ((isMe || id === rec.appScopedId) && rec.pageId === undefined) {
    if (edge === undefined) {
      return answer(
        ctx,
        reply,
        rec,
        renderFields(fieldsOf(q, 'id,name'), 'User', {
          id: () => rec.appScopedId,
          name: () => user.name,
        }),
      )
    }
    if (edge !== 'accounts') throw unknownPath(s)
    const specs = fieldsOf(q, 'access_token,category,name,id,tasks')
    const visible = rec.scopes.includes('pages_show_list') ? pages : []
    return answer(
      ctx,
      reply,
      rec,
      pageOf(ctx, req, q, visible, (p) => pageNode(ctx, rec, p, specs)),
    )
  }
  const page = pageOfId(id)
  if (page) {
    if (edge !== undefined) throw unknownPath(s)
    return answer(ctx, reply, rec, pageNode(ctx, rec, page, fieldsOf(q, 'id,name')), page.id)
  }
  // Instagram objects are reachable only through a Page the token can see.
  const igIds = new Set(pages.flatMap((p) => (p.instagramUserId ? [p.instagramUserId] : [])))
  const igUser = igIds.has(id) ? state.igUser(id) : undefined
  const media = igUser ? undefined : state.media.get(id)
  if (!igUser && (!media || !igIds.has(media.ownerId))) throw unsupportedGet(id)
  if (!rec.scopes.includes('instagram_basic')) throw noPermission()
  const opts = { nodeType: 'IGMedia', counts: true, origin: requestOrigin(req) }
  if (igUser) {
    if (edge === undefined)
      return answer(ctx, reply, rec, fbInstagramUserNode(igUser, fieldsOf(q, 'id')), igUser.id)
    if (edge !== 'media') throw unknownPath(s)
    const specs = fieldsOf(q, 'id')
    return answer(
      ctx,
      reply,
      rec,
      pageOf(ctx, req, q, igUser.media, (m) => mediaNode(state, m, specs, opts)),
      igUser.id,
    )
  }
  if (!media) throw unsupportedGet(id)
  return answerMedia(
    ctx,
    req,
    reply,
    rec,
    { media, edge, segments: s, query: q, opts },
    media.ownerId,
  )
}

/** graph.facebook.com, with or without a `/vNN.0` prefix. */
export function registerGraphFacebookRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.all('/graph.facebook.com/*', (req, reply) => {
    const { endpoint } = infoOf(req)
    if (endpoint === 'fb.oauth_access_token') {
      if (req.method !== 'GET' && req.method !== 'POST') {
        throw unsupportedGet('oauth', req.method.toLowerCase())
      }
      return oauthAccessToken(ctx, req, reply)
    }
    if (endpoint === 'fb.debug_token') {
      if (req.method !== 'GET') throw unsupportedGet('debug_token', req.method.toLowerCase())
      return debugToken(ctx, req, reply)
    }
    return graphRead(ctx, req, reply)
  })
  app.all('/graph.facebook.com', (req) => {
    throw unsupportedGet('', req.method.toLowerCase())
  })
}
