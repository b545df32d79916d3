import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { EmulatorContext } from '../app.js'
import { changePassword, requestDataDeletion, revokeApp } from '../callbacks.js'
import { bodyOf } from '../http.js'
import { revokePageTokens, setGrantedPages } from '../page-grants.js'
import type { TokenKind } from '../state.js'
import type { EmulatorApp, EmulatorUser, FlavorName } from '../types.js'
import {
  appPatchSchema,
  appSchema,
  clockAdvanceSchema,
  clockSetSchema,
  configPatchSchema,
  faultsSchema,
  grantedPagesSchema,
  limitsSchema,
  mintCodesSchema,
  mintTokenSchema,
  requestsQuerySchema,
  revokePageTokensSchema,
  userAppSchema,
  userOnlySchema,
  userSchema,
} from './schemas.js'

/** A control API refusal: `{ error: { code, message } }`. */
class ControlError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value)
  if (!r.success) {
    const first = r.error.issues[0]
    const where = first?.path.length ? `"${first.path.join('.')}" ` : ''
    throw new ControlError(400, 'invalid_body', `${where}${first?.message ?? 'invalid'}`.trim())
  }
  return r.data
}

function json(req: FastifyRequest): unknown {
  const body = bodyOf(req)
  if (!body) return {}
  if (body.kind !== 'other' || !/json/i.test(body.contentType)) {
    throw new ControlError(415, 'unsupported_media_type', 'send application/json')
  }
  if (body.raw === undefined || body.raw.trim() === '') return {}
  try {
    return JSON.parse(body.raw) as unknown
  } catch {
    throw new ControlError(400, 'invalid_json', 'the body is not valid JSON')
  }
}

/** Apps as listed by the control API: secrets are never echoed. */
export function publicApp(
  app: EmulatorApp,
): Omit<EmulatorApp, 'metaAppSecret' | 'instagramAppSecret'> {
  const { metaAppSecret: _m, instagramAppSecret: _i, ...rest } = app
  return rest
}

function publicUser(u: EmulatorUser): Record<string, unknown> {
  if (u.kind === 'facebook') return { ...u }
  const { media, ...rest } = u
  return { ...rest, mediaCount: media.length, mediaIds: media.map((m) => m.id) }
}

function clock(ctx: EmulatorContext): { now: number; iso: string } {
  const now = ctx.state.now()
  return { now, iso: new Date(now).toISOString() }
}

const DEFAULT_SCOPES: Record<FlavorName, string[]> = {
  'instagram-login': ['instagram_business_basic'],
  'basic-display': ['instagram_graph_user_profile', 'instagram_graph_user_media'],
  'facebook-login': ['public_profile', 'instagram_basic', 'pages_show_list'],
}

/** Scopes of codes minted without the dialog, as the dialog would record them. */
const CODE_SCOPES: Record<FlavorName, string[]> = {
  'instagram-login': ['instagram_business_basic'],
  'basic-display': ['user_profile', 'user_media'],
  'facebook-login': DEFAULT_SCOPES['facebook-login'],
}

/** The JSON control API under `/_emulator/` (registered in its own encapsulated context). */
export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.setErrorHandler((err, _req, reply: FastifyReply) => {
    if (err instanceof ControlError) {
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } })
    }
    if (err instanceof TypeError) {
      return reply.code(400).send({ error: { code: 'invalid_request', message: err.message } })
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500
    return reply.code(status).send({
      error: {
        code: status === 413 ? 'body_too_large' : 'internal',
        message: status === 413 ? 'body too large' : 'internal error',
      },
    })
  })

  app.get('/apps', () => ({ apps: ctx.state.apps.map(publicApp) }))
  app.post('/apps', (req, reply) => {
    const input = parse(appSchema, json(req)) as EmulatorApp
    return reply.code(201).send({ app: publicApp(ctx.state.addApp(input)) })
  })
  app.patch<{ Params: { id: string } }>('/apps/:id', (req) => {
    const patch = parse(appPatchSchema, json(req)) as Partial<EmulatorApp>
    return { app: publicApp(ctx.state.updateApp(req.params.id, patch)) }
  })

  app.get('/users', () => ({ users: [...ctx.state.users.values()].map(publicUser) }))
  app.post('/users', (req, reply) => {
    const input = parse(userSchema, json(req))
    return reply.code(201).send({
      user: publicUser(ctx.state.addUser(input as Parameters<typeof ctx.state.addUser>[0])),
    })
  })

  app.put<{ Params: { id: string } }>('/users/:id/granted-pages', (req) => {
    const input = parse(grantedPagesSchema, json(req))
    const target = ctx.state.findApp(input.appId)
    if (!target) throw new ControlError(404, 'not_found', `no app with id "${input.appId}"`)
    if (!ctx.state.fbUser(req.params.id))
      throw new ControlError(404, 'not_found', `no Facebook user with id "${req.params.id}"`)
    return { pageIds: setGrantedPages(ctx.state, target, req.params.id, input.pageIds) }
  })
  app.post('/page-tokens/revoke', (req) => {
    const input = parse(revokePageTokensSchema, json(req))
    const target = input.appId === undefined ? undefined : ctx.state.findApp(input.appId)
    if (input.appId !== undefined && !target)
      throw new ControlError(404, 'not_found', `no app with id "${input.appId}"`)
    const user = ctx.state.fbUser(input.userId)
    if (!user?.pages.some((p) => p.id === input.pageId))
      throw new ControlError(404, 'not_found', `no Page "${input.pageId}" of "${input.userId}"`)
    return { revoked: revokePageTokens(ctx.state, input.userId, input.pageId, target) }
  })

  app.get('/clock', () => clock(ctx))
  app.put('/clock', (req) => {
    ctx.state.setClock(parse(clockSetSchema, json(req)).now)
    ctx.clockChanged()
    return clock(ctx)
  })
  app.post('/clock/advance', (req) => {
    ctx.state.advanceClock(parse(clockAdvanceSchema, json(req)).ms)
    ctx.clockChanged()
    return clock(ctx)
  })

  app.get('/faults', () => ({ rules: ctx.faults.list() }))
  app.put('/faults', (req) => {
    const input = parse(faultsSchema, json(req))
    ctx.faults.set(input as Parameters<typeof ctx.faults.set>[0])
    return { rules: ctx.faults.list() }
  })
  app.delete('/faults', () => {
    ctx.faults.clear()
    return { rules: [] }
  })

  app.get('/limits', () => ({ limits: ctx.state.config.limits }))
  app.put('/limits', (req) => {
    const input = parse(limitsSchema, json(req))
    const l = ctx.state.config.limits
    ctx.state.config.limits = {
      windowMs: input.windowMs ?? l.windowMs,
      appCalls: input.appCalls ?? l.appCalls,
      userCalls: input.userCalls ?? l.userCalls,
    }
    ctx.limiter.clear()
    return { limits: ctx.state.config.limits }
  })

  app.get('/config', () => ({ config: ctx.state.config }))
  app.patch('/config', (req) => {
    const patch = parse(configPatchSchema, json(req))
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined) (ctx.state.config as unknown as Record<string, unknown>)[k] = v
    }
    return { config: ctx.state.config }
  })

  app.post('/revoke', async (req) => revokeApp(ctx, parse(userAppSchema, json(req))))
  app.post('/delete-data', async (req) => requestDataDeletion(ctx, parse(userAppSchema, json(req))))
  app.post('/change-password', (req) => changePassword(ctx, parse(userOnlySchema, json(req))))
  app.get('/callbacks', () => ({ callbacks: ctx.state.callbacks }))

  app.post('/reset', () => {
    ctx.reset()
    return { ok: true }
  })

  app.get('/requests', (req) => {
    const f = parse(requestsQuerySchema, req.query ?? {})
    if (f.inFlight === 'true') {
      // Only what is known on arrival can be filtered on: app, user and status come later.
      if ([f.appId, f.userId, f.status, f.sinceSeq].some((v) => v !== undefined))
        throw new ControlError(
          400,
          'invalid_body',
          'inFlight=true filters by endpoint, host and method only',
        )
      const inFlight = [...ctx.state.inFlight].filter(
        (e) =>
          (f.endpoint === undefined || e.endpoint === f.endpoint) &&
          (f.host === undefined || e.host === f.host) &&
          (f.method === undefined || e.method === f.method.toUpperCase()),
      )
      return { requests: inFlight }
    }
    const app = f.appId === undefined ? undefined : ctx.state.findApp(f.appId)
    const requests = ctx.state.log.filter(
      (e) =>
        (f.endpoint === undefined || e.endpoint === f.endpoint) &&
        (f.host === undefined || e.host === f.host) &&
        (f.appId === undefined || e.appId === (app?.metaAppId ?? f.appId)) &&
        (f.userId === undefined || e.userId === f.userId) &&
        (f.status === undefined || e.status === f.status) &&
        (f.method === undefined || e.method === f.method.toUpperCase()) &&
        (f.sinceSeq === undefined || e.seq > f.sinceSeq),
    )
    return { requests }
  })

  app.post('/codes', (req, reply) => {
    const input = parse(mintCodesSchema, json(req))
    const target = ctx.state.findApp(input.appId)
    if (!target) throw new ControlError(404, 'not_found', `no app with id "${input.appId}"`)
    if (!ctx.state.users.has(input.userId))
      throw new ControlError(404, 'not_found', `no user with id "${input.userId}"`)
    const flavor = input.flavor ?? 'instagram-login'
    const redirectUri = input.redirectUri ?? target.redirectUris[0]
    if (redirectUri === undefined)
      throw new ControlError(400, 'invalid_body', 'the app has no redirect URI')
    const scopes = input.scopes ?? CODE_SCOPES[flavor]
    const codes: string[] = []
    for (let i = 0; i < (input.count ?? 1); i++) {
      codes.push(
        ctx.state.mintCode({ flavor, app: target, redirectUri, userId: input.userId, scopes }),
      )
    }
    return reply.code(201).send({ codes, redirectUri })
  })

  app.post('/tokens', (req, reply) => {
    const input = parse(mintTokenSchema, json(req))
    const target = ctx.state.findApp(input.appId)
    if (!target) throw new ControlError(404, 'not_found', `no app with id "${input.appId}"`)
    if (!ctx.state.users.has(input.userId))
      throw new ControlError(404, 'not_found', `no user with id "${input.userId}"`)
    const flavor = input.flavor ?? 'instagram-login'
    const length = input.kind ?? 'long'
    const kinds: Record<FlavorName, Record<'short' | 'long' | 'page', TokenKind | undefined>> = {
      'instagram-login': { short: 'ig-short', long: 'ig-long', page: undefined },
      'basic-display': { short: 'bd-short', long: 'bd-long', page: undefined },
      'facebook-login': { short: 'fb-user-short', long: 'fb-user-long', page: 'fb-page' },
    }
    const kind = kinds[flavor][length]
    if (!kind)
      throw new ControlError(400, 'invalid_body', `"kind" page needs flavor facebook-login`)
    if (kind === 'fb-page' && input.pageId === undefined)
      throw new ControlError(400, 'invalid_body', '"pageId" is required for a page token')
    const c = ctx.state.config
    const rec = ctx.state.mintToken({
      kind,
      flavor,
      app: target,
      userId: input.userId,
      scopes: input.scopes ?? DEFAULT_SCOPES[flavor],
      lifetimeSec:
        length === 'short' ? c.shortLivedTokenSec : length === 'long' ? c.longLivedTokenSec : 0,
      ...(input.pageId === undefined ? {} : { pageId: input.pageId }),
    })
    return reply.code(201).send({
      access_token: rec.token,
      user_id: rec.appScopedId,
      expires_at: rec.expiresAt === 0 ? 0 : Math.floor(rec.expiresAt / 1000),
    })
  })
}
