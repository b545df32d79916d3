import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../app.js'
import { GraphError, badParameter, unsupportedGet } from '../errors.js'
import { renderFields } from '../fields.js'
import { sendJson } from '../http.js'
import { infoOf } from '../request-info.js'
import type { TokenRecord } from '../state.js'
import type { InstagramUser } from '../types.js'
import { secretsEqual } from './api-instagram-com.js'
import {
  answer,
  answerMedia,
  authenticate,
  checkAppSecretProof,
  fieldsOf,
  mediaNode,
  pageOf,
  queryOf,
  readToken,
  requestOrigin,
  unknownPath,
} from './graph-common.js'

const noPermission = (): GraphError =>
  new GraphError('(#10) Application does not have permission for this action', { code: 10 })

function tokenResponse(ctx: EmulatorContext, reply: FastifyReply, rec: TokenRecord): FastifyReply {
  return sendJson(reply, {
    access_token: rec.token,
    token_type: 'bearer',
    expires_in: ctx.state.config.longLivedTokenSec,
  })
}

/** §1.3 / §2.5: short-lived → long-lived with the Instagram app secret. */
function exchangeToken(
  ctx: EmulatorContext,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const q = queryOf(req)
  const rec = authenticate(ctx.state, req, q['access_token'], 'instagram', false)
  if (q['grant_type'] !== 'ig_exchange_token') {
    throw badParameter('(#100) grant_type must be ig_exchange_token')
  }
  if (!q['client_secret']) throw badParameter('Missing client_secret parameter.', 101)
  if (!secretsEqual(q['client_secret'], rec.app.instagramAppSecret)) {
    throw new GraphError('Error validating client secret.', { code: 1 })
  }
  if (rec.kind !== 'ig-short' && rec.kind !== 'bd-short') {
    throw badParameter('(#100) Only a short-lived access token can be exchanged')
  }
  const long = ctx.state.mintToken({
    kind: rec.kind === 'ig-short' ? 'ig-long' : 'bd-long',
    flavor: rec.flavor,
    app: rec.app,
    userId: rec.userId,
    scopes: rec.scopes,
    lifetimeSec: ctx.state.config.longLivedTokenSec,
  })
  return tokenResponse(ctx, reply, long)
}

/** §1.4 / §2.5: refresh a long-lived token that is ≥ 24 h old and unexpired. */
function refreshToken(
  ctx: EmulatorContext,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const { state } = ctx
  if (req.method !== 'GET') {
    throw new GraphError(`Unsupported request - method type: ${req.method.toLowerCase()}`, {
      code: 100,
      type: 'IGApiException',
    })
  }
  const q = queryOf(req)
  const rec = authenticate(state, req, q['access_token'], 'instagram', false)
  if (q['grant_type'] !== 'ig_refresh_token') {
    throw badParameter('(#100) grant_type must be ig_refresh_token')
  }
  if (rec.kind !== 'ig-long' && rec.kind !== 'bd-long') {
    throw badParameter('(#100) Only a long-lived access token can be refreshed')
  }
  const needed =
    rec.flavor === 'basic-display' ? 'instagram_graph_user_profile' : 'instagram_business_basic'
  if (!rec.scopes.includes(needed)) throw noPermission()
  const now = state.now()
  if (now - rec.issuedAt < state.config.refreshMinAgeSec * 1000) {
    throw badParameter(
      '(#100) The access token is too new to be refreshed: it must be at least 24 hours old',
    )
  }
  if (state.config.refreshReturnsSameToken) {
    rec.issuedAt = now
    rec.expiresAt = now + state.config.longLivedTokenSec * 1000
    return tokenResponse(ctx, reply, rec)
  }
  const fresh = state.mintToken({
    kind: rec.kind,
    flavor: rec.flavor,
    app: rec.app,
    userId: rec.userId,
    scopes: rec.scopes,
    lifetimeSec: state.config.longLivedTokenSec,
  })
  if (state.config.refreshInvalidatesOld) rec.invalid = 467
  return tokenResponse(ctx, reply, fresh)
}

function userNode(
  rec: TokenRecord,
  user: InstagramUser,
  q: Record<string, string | undefined>,
): Record<string, unknown> {
  const specs = fieldsOf(q, 'id')
  if (rec.flavor === 'basic-display') {
    return renderFields(specs, 'User', {
      id: () => rec.appScopedId,
      username: () => user.username,
      account_type: () => user.accountType,
      media_count: () => {
        if (!rec.scopes.includes('instagram_graph_user_media')) throw noPermission()
        return user.media.length
      },
    })
  }
  return renderFields(specs, 'User', {
    id: () => rec.appScopedId,
    user_id: () => user.id,
    username: () => user.username,
    name: () => user.name,
    account_type: () => user.accountType,
    profile_picture_url: () => user.profilePictureUrl,
    followers_count: () => user.followersCount,
    follows_count: () => user.followsCount,
    media_count: () => user.media.length,
    // Graph leaves out a field the account never filled in (R60: no website).
    biography: () => user.biography || undefined,
    website: () => user.website || undefined,
  })
}

/** Graph reads on graph.instagram.com: /me, /{user-id}, media lists, media and children. */
function graphRead(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { state } = ctx
  const info = infoOf(req)
  const s = info.segments
  const id = s[0] ?? ''
  if (info.endpoint === 'ig.unknown' || info.endpoint.endsWith('_unknown')) {
    if (s.length <= 1) throw unsupportedGet(id, req.method.toLowerCase())
    throw unknownPath(s)
  }
  const q = queryOf(req)
  const isMe = id === 'me'
  if (req.method !== 'GET') throw unsupportedGet(id, req.method.toLowerCase())
  const rec = authenticate(state, req, readToken(req, q), 'instagram', isMe)
  checkAppSecretProof(state, q, rec, 'instagram')
  const user = state.igUser(rec.userId)
  if (!user) throw unsupportedGet(id)
  const isSelf = isMe || id === user.id || id === rec.appScopedId
  const media = isSelf ? undefined : state.media.get(id)
  if (!isSelf && media?.ownerId !== user.id) throw unsupportedGet(id)
  const counts = rec.flavor === 'instagram-login'
  const opts = { nodeType: 'Media', counts, origin: requestOrigin(req) }
  const edge = s[1]
  if (isSelf) {
    if (edge === undefined) return answer(ctx, reply, rec, userNode(rec, user, q))
    if (edge !== 'media') throw unknownPath(s)
    if (rec.flavor === 'basic-display' && !rec.scopes.includes('instagram_graph_user_media')) {
      throw noPermission()
    }
    const specs = fieldsOf(q, 'id')
    return answer(
      ctx,
      reply,
      rec,
      pageOf(ctx, req, q, user.media, (m) => mediaNode(state, m, specs, opts)),
    )
  }
  if (!media) throw unsupportedGet(id)
  return answerMedia(ctx, req, reply, rec, { media, edge, segments: s, query: q, opts })
}

/** graph.instagram.com, with or without a `/vNN.0` prefix. */
export function registerGraphInstagramRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.all('/graph.instagram.com/*', (req, reply) => {
    const { endpoint } = infoOf(req)
    if (endpoint === 'ig.refresh_access_token') return refreshToken(ctx, req, reply)
    if (endpoint === 'ig.access_token') {
      if (req.method !== 'GET') throw unsupportedGet('access_token', req.method.toLowerCase())
      return exchangeToken(ctx, req, reply)
    }
    return graphRead(ctx, req, reply)
  })
  app.all('/graph.instagram.com', (req) => {
    throw unsupportedGet('', req.method.toLowerCase())
  })
}
