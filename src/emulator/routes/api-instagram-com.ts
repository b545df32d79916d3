import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../app.js'
import { assertAppActive, assertInstagramDialogRole } from '../app-access.js'
import { InstagramOAuthError } from '../errors.js'
import { bodyOf, sendJson } from '../http.js'
import { infoOf } from '../request-info.js'
import { BASIC_DISPLAY_PERMISSIONS } from '../scopes.js'

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretsEqual(given: string, expected: string): boolean {
  const da = createHash('sha256').update(given).digest()
  return timingSafeEqual(da, digestOf(expected))
}

// Expected secrets are few (app secrets); their digests are computed once.
const digests = new Map<string, Buffer>()
function digestOf(secret: string): Buffer {
  let d = digests.get(secret)
  if (!d) {
    if (digests.size > 1000) digests.clear()
    d = createHash('sha256').update(secret).digest()
    digests.set(secret, d)
  }
  return d
}

/**
 * §1.2 / §2.4: `POST api.instagram.com/oauth/access_token`, form-encoded (urlencoded or
 * multipart). A JSON body is not read at all, so Meta complains about the first missing field.
 */
function exchangeCode(
  ctx: EmulatorContext,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const { state } = ctx
  const body = bodyOf(req)
  const f = body?.kind === 'form' ? body.fields : {}
  for (const field of [
    'client_id',
    'client_secret',
    'grant_type',
    'redirect_uri',
    'code',
  ] as const) {
    if (!f[field]) throw new InstagramOAuthError(`Missing required field ${field}`)
  }
  const clientId = f['client_id'] ?? ''
  const app = state.apps.find((a) => a.instagramAppId === clientId)
  // The Meta app id (with the Meta secret) is the classic mix-up: Meta calls it a bad platform app.
  if (!app) throw new InstagramOAuthError('Invalid platform app')
  infoOf(req).appId = app.metaAppId
  assertAppActive(app)
  if (!secretsEqual(f['client_secret'] ?? '', app.instagramAppSecret)) {
    throw new InstagramOAuthError('Invalid client_secret')
  }
  if (f['grant_type'] !== 'authorization_code') {
    throw new InstagramOAuthError('Invalid grant_type: only authorization_code is supported')
  }
  const code = f['code'] ?? ''
  const rec = state.codes.get(code)
  const now = state.now()
  if (
    !rec ||
    rec.used ||
    rec.app !== app ||
    rec.flavor === 'facebook-login' ||
    now - rec.issuedAt >= state.config.codeLifetimeSec * 1000
  ) {
    throw new InstagramOAuthError('Matching code was not found or was already used.')
  }
  if (rec.redirectUri !== f['redirect_uri']) throw new InstagramOAuthError('Invalid redirect_uri')
  if (rec.flavor === 'basic-display' && state.config.basicDisplay === 'shut-down') {
    throw new InstagramOAuthError('Unsupported request - method type: post')
  }
  assertInstagramDialogRole(state, app, rec.userId)
  // Instagram answers a used code exactly like an unknown one, so the record can go.
  state.codes.delete(code)
  infoOf(req).userId = rec.userId
  if (rec.flavor === 'basic-display') {
    const token = state.mintToken({
      kind: 'bd-short',
      flavor: 'basic-display',
      app,
      userId: rec.userId,
      scopes: rec.scopes.map((s) => BASIC_DISPLAY_PERMISSIONS[s] ?? s),
      lifetimeSec: state.config.shortLivedTokenSec,
    })
    infoOf(req).tokenFingerprint = token.fingerprint
    // user_id is a JSON number above MAX_SAFE_INTEGER: written by hand so no digit is lost.
    return sendJson(
      reply,
      `{"access_token":${JSON.stringify(token.token)},"user_id":${token.appScopedId}}`,
    )
  }
  const token = state.mintToken({
    kind: 'ig-short',
    flavor: 'instagram-login',
    app,
    userId: rec.userId,
    scopes: rec.scopes,
    lifetimeSec: state.config.shortLivedTokenSec,
  })
  infoOf(req).tokenFingerprint = token.fingerprint
  if (state.config.instagramExchangeShape === 'wrapped') {
    // As documented: a data array, the id as a string, the permissions comma-separated.
    const entry = {
      access_token: token.token,
      user_id: token.appScopedId,
      permissions: rec.scopes.join(','),
    }
    return sendJson(reply, { data: [entry] })
  }
  // As live Meta answers: flat, user_id a JSON number above MAX_SAFE_INTEGER (written by hand so
  // no digit is lost), permissions an array.
  return sendJson(
    reply,
    `{"access_token":${JSON.stringify(token.token)},"user_id":${token.appScopedId},"permissions":${JSON.stringify(rec.scopes)}}`,
  )
}

/** api.instagram.com: the code exchange (the authorize dialog lives in dialogs.ts). */
export function registerApiInstagramRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/api.instagram.com/oauth/access_token', (req, reply) => exchangeCode(ctx, req, reply))
  app.get('/api.instagram.com/oauth/access_token', () => {
    throw new InstagramOAuthError('Unsupported request - method type: get')
  })
}
