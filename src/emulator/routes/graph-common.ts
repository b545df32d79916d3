import { createHmac } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../app.js'
import { assertAppActive, assertGraphInstagramRole, unsupportedRequest } from '../app-access.js'
import { GraphError, tokenErrors } from '../errors.js'
import { parseFields, renderFields, type FieldSpec } from '../fields.js'
import { queryOf, sendJson } from '../http.js'
import { infoOf } from '../request-info.js'
import type { EmulatorState, TokenRecord } from '../state.js'
import type { EmulatorMedia, InstagramUser } from '../types.js'
import { secretsEqual } from './api-instagram-com.js'

/** The access token from `?access_token=` or an `Authorization: Bearer|OAuth` header. */
export function readToken(
  req: FastifyRequest,
  query: Record<string, string | undefined>,
): string | undefined {
  const q = query['access_token']
  if (q) return q
  const h = req.headers.authorization
  if (h) {
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(h)
    if (m) return m[1]
  }
  return undefined
}

/**
 * Resolves and checks a token for a Graph host: unknown strings, tokens of the other host,
 * revoked, password-changed and expired tokens fail with code 190 and Meta's messages. Before the
 * token itself come the refusals Meta puts in front of every call: the Basic Display shutdown, a
 * blocked app, a person without a role on an app in development mode.
 */
export function authenticate(
  state: EmulatorState,
  req: FastifyRequest,
  raw: string | undefined,
  graph: 'instagram' | 'facebook',
  isMe: boolean,
): TokenRecord {
  const onInstagram = graph === 'instagram'
  if (!raw) throw onInstagram ? tokenErrors.missingOnInstagram() : tokenErrors.missing(isMe)
  if (onInstagram && raw.startsWith('IGQ') && state.config.basicDisplay === 'shut-down') {
    throw unsupportedRequest(req.method)
  }
  const rec = state.tokens.get(raw)
  if (!rec || onInstagram !== (rec.flavor !== 'facebook-login')) {
    // graph.facebook.com decrypts what looks like its own token before it can say more.
    if (!rec && !onInstagram && raw.startsWith('EAA')) throw tokenErrors.cannotDecrypt()
    throw tokenErrors.cannotParse()
  }
  const info = infoOf(req)
  info.appId = rec.app.metaAppId
  info.userId = rec.userId
  info.tokenFingerprint = rec.fingerprint
  assertAppActive(rec.app)
  if (onInstagram) assertGraphInstagramRole(state, rec.app, rec.userId, req.method)
  if (rec.invalid === 458) {
    throw tokenErrors.appRemoved(
      rec.flavor === 'facebook-login' ? rec.app.metaAppId : rec.app.instagramAppId,
    )
  }
  if (rec.invalid === 460) throw tokenErrors.passwordChanged()
  if (rec.invalid === 467) throw tokenErrors.replaced()
  const now = state.now()
  if (rec.expiresAt !== 0 && now >= rec.expiresAt) {
    throw tokenErrors.expired(rec.expiresAt, now, onInstagram ? 0 : 463)
  }
  return rec
}

/**
 * §3.5 `appsecret_proof`: timed (`HMAC(secret, token|time)` with `appsecret_time` within 5
 * minutes) or untimed (`HMAC(secret, token)`). A proof that is sent is always checked; a missing
 * one fails only when the app requires it.
 */
export function checkAppSecretProof(
  state: EmulatorState,
  query: Record<string, string | undefined>,
  rec: TokenRecord,
  graph: 'instagram' | 'facebook',
): void {
  const proof = query['appsecret_proof']
  const required =
    rec.app.requireAppSecretProof === true &&
    (graph === 'facebook' || state.config.appsecretProofOnInstagramGraph)
  if (proof === undefined) {
    if (required) {
      throw new GraphError('API calls from the server require an appsecret_proof argument', {
        code: 100,
        type: 'GraphMethodException',
      })
    }
    return
  }
  const secret = graph === 'facebook' ? rec.app.metaAppSecret : rec.app.instagramAppSecret
  const time = query['appsecret_time']
  const invalid = new GraphError('Invalid appsecret_proof provided in the API argument', {
    code: 100,
    type: 'GraphMethodException',
  })
  let message = rec.token
  if (time !== undefined) {
    if (!/^\d+$/.test(time)) throw invalid
    const age = Math.floor(state.now() / 1000) - Number(time)
    if (age > 300 || age < -300) {
      throw new GraphError('The appsecret_time has expired: proofs are valid for 5 minutes', {
        code: 100,
        type: 'GraphMethodException',
      })
    }
    message = `${rec.token}|${time}`
  } else if (!state.config.acceptUntimedAppsecretProof) {
    throw invalid
  }
  const expected = createHmac('sha256', secret).update(message).digest('hex')
  if (!secretsEqual(proof.toLowerCase(), expected)) throw invalid
}

/** Parses `fields=` or uses the node's default. */
export function fieldsOf(query: Record<string, string | undefined>, fallback: string): FieldSpec[] {
  const raw = query['fields']
  return parseFields(raw === undefined || raw === '' ? fallback : raw)
}

/** The origin the caller reached the emulator at, e.g. `http://127.0.0.1:8788`. */
export function requestOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? '127.0.0.1'}`
}

/** Renders a media node for either Graph host. */
export function mediaNode(
  state: EmulatorState,
  media: EmulatorMedia,
  specs: FieldSpec[],
  opts: { nodeType: string; counts: boolean; origin: string },
): Record<string, unknown> {
  const owner = state.igUser(media.ownerId)
  // Stored paths (placeholder images) become absolute; URLs from an older snapshot stay as is.
  const absolute = (url: string | undefined): string | undefined =>
    url?.startsWith('/') === true ? `${opts.origin}${url}` : url
  return renderFields(specs, opts.nodeType, {
    id: () => media.id,
    caption: () => media.caption,
    media_type: () => media.mediaType,
    media_url: () => absolute(media.mediaUrl),
    permalink: () => media.permalink,
    thumbnail_url: () => absolute(media.thumbnailUrl),
    timestamp: () => media.timestamp,
    username: () => owner?.username,
    media_product_type: opts.counts ? () => 'FEED' : undefined,
    like_count: opts.counts ? () => media.likeCount : undefined,
    comments_count: opts.counts ? () => media.commentsCount : undefined,
    children: (sub) => {
      if (!media.children) return undefined
      const childSpecs = sub ?? parseFields('id')
      return {
        data: media.children.map((id) => {
          const child = state.media.get(id)
          return child ? mediaNode(state, child, childSpecs, opts) : { id }
        }),
      }
    },
  })
}

const toCursor = (id: string): string => Buffer.from(`emu:${id}`).toString('base64url')
function fromCursor(cursor: string): string | undefined {
  const s = Buffer.from(cursor, 'base64url').toString()
  return s.startsWith('emu:') ? s.slice(4) : undefined
}

/**
 * Cursor paging over a list of ids: `limit`, `after`, `before`; `next`/`previous` point back at
 * the emulator and are absent at the ends.
 */
export function pageOf<T extends { id: string }>(
  ctx: EmulatorContext,
  req: FastifyRequest,
  query: Record<string, string | undefined>,
  items: T[],
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  const n = Number(query['limit'])
  const limit = Number.isInteger(n) && n > 0 ? Math.min(n, 100) : ctx.state.config.pageSize
  let start = 0
  let end = Math.min(items.length, limit)
  const badCursor = (): GraphError => new GraphError('(#100) The cursor is invalid', { code: 100 })
  if (query['after'] !== undefined) {
    const id = fromCursor(query['after'])
    const i = items.findIndex((m) => m.id === id)
    if (i === -1) throw badCursor()
    start = i + 1
    end = Math.min(items.length, start + limit)
  } else if (query['before'] !== undefined) {
    const id = fromCursor(query['before'])
    const i = items.findIndex((m) => m.id === id)
    if (i === -1) throw badCursor()
    end = i
    start = Math.max(0, end - limit)
  }
  const slice = items.slice(start, end)
  const first = slice[0]
  const last = slice.at(-1)
  if (!first || !last) return { data: [] }
  const info = infoOf(req)
  const base = `${requestOrigin(req)}/${info.host ?? ''}${info.path}`
  const link = (key: 'after' | 'before', cursor: string): string => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && k !== 'after' && k !== 'before' && k !== 'limit') params.set(k, v)
    }
    params.set('limit', String(limit))
    params.set(key, cursor)
    return `${base}?${params.toString()}`
  }
  const paging: Record<string, unknown> = {
    cursors: { before: toCursor(first.id), after: toCursor(last.id) },
  }
  if (end < items.length) paging['next'] = link('after', toCursor(last.id))
  if (start > 0) paging['previous'] = link('before', toCursor(first.id))
  return { data: slice.map(render), paging }
}

/** Rate limits, then JSON. */
export function answer(
  ctx: EmulatorContext,
  reply: FastifyReply,
  rec: TokenRecord,
  body: unknown,
  bucObjectId?: string,
): FastifyReply {
  ctx.limiter.check(ctx.state, reply, rec, bucObjectId)
  return sendJson(reply, body)
}

/**
 * Graph's answer to a path it has no edge for: it names what follows the node and its edge
 * (`/v21.0/v21.0/me/messages` reads as node `v21.0`, edge `me`, and reports `/messages`).
 */
export function unknownPath(segments: string[]): GraphError {
  const rest = segments.length > 2 ? segments.slice(2) : segments.slice(1)
  return new GraphError(`Unknown path components: /${rest.join('/')}`, { code: 2500 })
}

/** The query of a Graph request. */
export { queryOf }

/** The user's Instagram account fields on graph.facebook.com (IG User node). */
export function fbInstagramUserNode(
  user: InstagramUser,
  specs: FieldSpec[],
): Record<string, unknown> {
  return renderFields(specs, 'IGUser', {
    id: () => user.id,
    username: () => user.username,
    name: () => user.name,
    // Graph leaves out a field the account never filled in (R60: no website).
    biography: () => user.biography || undefined,
    website: () => user.website || undefined,
    profile_picture_url: () => user.profilePictureUrl,
    followers_count: () => user.followersCount,
    follows_count: () => user.followsCount,
    media_count: () => user.media.length,
  })
}

/**
 * A media object, or its `children` edge, as either Graph host answers it. `bucObjectId` names the
 * business object whose usage the call counts against (graph.facebook.com counts per IG account).
 */
export function answerMedia(
  ctx: EmulatorContext,
  req: FastifyRequest,
  reply: FastifyReply,
  rec: TokenRecord,
  read: {
    media: EmulatorMedia
    edge: string | undefined
    segments: string[]
    query: Record<string, string | undefined>
    opts: Parameters<typeof mediaNode>[3]
  },
  bucObjectId?: string,
): FastifyReply {
  const { media, edge, query, opts } = read
  const state = ctx.state
  if (edge === undefined) {
    return answer(
      ctx,
      reply,
      rec,
      mediaNode(state, media, fieldsOf(query, 'id'), opts),
      bucObjectId,
    )
  }
  if (edge !== 'children' || !media.children) throw unknownPath(read.segments)
  const specs = fieldsOf(query, 'id')
  const children = media.children.flatMap((c) => {
    const m = state.media.get(c)
    return m ? [m] : []
  })
  return answer(
    ctx,
    reply,
    rec,
    pageOf(ctx, req, query, children, (m) => mediaNode(state, m, specs, opts)),
    bucObjectId,
  )
}
