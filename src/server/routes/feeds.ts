import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { BrokerContext } from '../../broker/context.js'
import type { FeedCopy, FeedPublisher } from '../../broker/feeds.js'
import { ServiceError } from '../../broker/service-error.js'
import { unpublishFeed } from '../../broker/unpublish-feed.js'
import { getAccount } from '../../broker/read/accounts.js'
import {
  FEED_MAX_ITEMS,
  FEED_MAX_ORIGINS,
  createFeed,
  feedInfo,
  getFeed,
  listFeeds,
} from '../../broker/read/feeds.js'
import type { FeedInfo } from '../../broker/types.js'
import { sendError } from '../errors.js'
import { errorSchema } from './schemas.js'

/** The header marking a feed copy served because Meta failed at the last attempt. */
export const STALE_HEADER = 'igtoken-feed-stale'

const feedIdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const

const feedItemSchema = {
  $id: 'FeedItem',
  type: 'object',
  description: 'One media item, with Meta’s field names.',
  properties: {
    id: { type: 'string' },
    media_type: { type: ['string', 'null'], examples: ['IMAGE', 'VIDEO', 'CAROUSEL_ALBUM'] },
    media_url: { type: ['string', 'null'], format: 'uri' },
    thumbnail_url: { type: ['string', 'null'], description: 'Videos only.' },
    permalink: { type: ['string', 'null'] },
    caption: { type: ['string', 'null'] },
    timestamp: { type: ['string', 'null'], format: 'date-time' },
    children: { type: 'array', items: { $ref: 'FeedItem#' }, description: 'Albums only.' },
  },
  required: ['id', 'media_type', 'media_url', 'thumbnail_url', 'permalink', 'caption', 'timestamp'],
} as const

const feedViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Random and unguessable; part of the public URL.' },
    url: { type: 'string', format: 'uri', description: 'The public JSON address.' },
    account_id: { type: 'string' },
    label: { type: ['string', 'null'] },
    limit: { type: 'integer' },
    allowed_origins: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string', format: 'date-time' },
    refreshed_at: { type: ['string', 'null'], format: 'date-time' },
    last_error: { type: ['string', 'null'] },
  },
  required: [
    'id',
    'url',
    'account_id',
    'label',
    'limit',
    'allowed_origins',
    'created_at',
    'refreshed_at',
    'last_error',
  ],
} as const

/** A feed as the token API shows it. */
export function feedView(feed: FeedInfo, publicUrl: string) {
  return {
    id: feed.id,
    url: `${publicUrl}/feeds/${feed.id}.json`,
    account_id: feed.accountId,
    label: feed.label,
    limit: feed.limit,
    allowed_origins: [...feed.allowedOrigins],
    created_at: new Date(feed.createdAt).toISOString(),
    refreshed_at: feed.snapshotAt === null ? null : new Date(feed.snapshotAt).toISOString(),
    last_error: feed.lastErrorCode,
  }
}

/**
 * `GET /feeds/{id}.json`: the public feed, with `ETag`/304, `Cache-Control`, and CORS for the
 * feed's allowed origins only. Nothing here needs a key: the feed id is the capability.
 */
export function publicFeedRoutes(app: FastifyInstance, deps: { publisher: FeedPublisher }): void {
  const { publisher } = deps
  const maxAge = Math.max(1, Math.floor(publisher.refreshMs / 1000))
  app.addSchema(feedItemSchema)

  app.get<{ Params: { id: string } }>(
    '/feeds/:id.json',
    {
      // A busy public feed would drown the logs; failures are still logged by the error handler.
      logLevel: 'warn',
      // The hottest public route: helmet's dozen headers are replaced by the few a JSON body needs.
      helmet: false,
      config: { errors: ['not_found', 'meta_error', 'meta_unreachable'] },
      schema: {
        tags: ['public feeds'],
        summary: 'Read a public feed',
        description:
          'The latest media of the account, from a cache refreshed at most once per IGTOKEN_FEED_REFRESH_SECONDS. Sends `ETag` (answering 304 to a matching `If-None-Match`) and `Cache-Control`; CORS headers only for the feed’s allowed origins. When Instagram fails, the last good copy is served with `igtoken-feed-stale: true`.',
        params: feedIdParams,
        // Embeds add cache-busters (jQuery's `cache: false` sends `_`); nothing else is read.
        querystring: {
          type: 'object',
          properties: { _: { type: 'string', maxLength: 64 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: { $ref: 'FeedItem#' } } },
            required: ['data'],
          },
          304: { type: 'null', description: 'Not modified.' },
          404: errorSchema,
          502: errorSchema,
        },
      },
    },
    async (request, reply) => {
      let copy: FeedCopy | undefined
      try {
        copy = await publisher.read(request.params.id)
      } catch (error) {
        if (error instanceof ServiceError) {
          allowOrigin(request, reply, [])
          return sendError(reply, error)
        }
        throw error
      }
      if (copy === undefined) {
        return sendError(reply, new ServiceError('not_found', 'there is no feed at this address'))
      }
      allowOrigin(request, reply, copy.allowedOrigins)
      void reply
        .header('etag', copy.etag)
        .header('cache-control', `public, max-age=${maxAge}`)
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
        .header('referrer-policy', 'no-referrer')
      if (copy.stale) void reply.header(STALE_HEADER, 'true')
      if (matches(request.headers['if-none-match'], copy.etag)) return reply.code(304).send()
      // The body is already JSON text: skip the serializer.
      return reply.type('application/json; charset=utf-8').send(copy.body)
    },
  )

  // Preflight, for pages that send If-None-Match themselves.
  app.options<{ Params: { id: string } }>(
    '/feeds/:id.json',
    { logLevel: 'warn', schema: { hide: true, params: feedIdParams } },
    async (request, reply) => {
      const copy = await publisher.read(request.params.id).catch(() => undefined)
      if (allowOrigin(request, reply, copy?.allowedOrigins ?? [])) {
        void reply
          .header('access-control-allow-methods', 'GET, HEAD')
          .header('access-control-allow-headers', 'if-none-match')
          .header('access-control-max-age', '600')
      }
      return reply.code(204).send()
    },
  )
}

/** `/api/v1/feeds`: publish, list and remove feeds (inside the API-key scope of api.ts). */
export function feedApiRoutes(
  api: FastifyInstance,
  deps: { ctx: BrokerContext; publisher: FeedPublisher; defaultItems: number },
): void {
  const { ctx } = deps
  const errors = {
    400: errorSchema,
    401: errorSchema,
    403: errorSchema,
    404: errorSchema,
    429: errorSchema,
  }
  const { 404: _notFound, ...listErrors } = errors

  api.post<{
    Body: { account_id: string; limit?: number; allowed_origins?: string[]; label?: string }
  }>(
    '/feeds',
    {
      config: {
        rateLimit: {},
        scope: 'accounts:manage',
        errors: ['not_found', 'account_inactive'],
      },
      schema: {
        tags: ['feeds'],
        summary: 'Publish a feed',
        description:
          'Publishes the latest media of an account at a random public URL, so a website can show them without ever holding the token.',
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          properties: {
            account_id: { type: 'string', minLength: 1, maxLength: 128 },
            limit: { type: 'integer', minimum: 1, maximum: FEED_MAX_ITEMS },
            allowed_origins: {
              type: 'array',
              maxItems: FEED_MAX_ORIGINS,
              items: { type: 'string', minLength: 1, maxLength: 300 },
              description: 'Origins such as https://example.com allowed to read it from a browser.',
            },
            label: { type: 'string', maxLength: 100 },
          },
          required: ['account_id'],
          additionalProperties: false,
        },
        response: { 201: feedViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body
      const account = await getAccount(ctx, body.account_id)
      if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
      let feed: FeedInfo
      try {
        feed = await createFeed(ctx, {
          accountId: account.id,
          limit: body.limit ?? deps.defaultItems,
          allowedOrigins: body.allowed_origins ?? [],
          label: body.label ?? null,
          now: ctx.now(),
        })
      } catch (error) {
        if (error instanceof TypeError) throw new ServiceError('invalid_request', error.message)
        throw error
      }
      return reply.code(201).send(feedView(feed, ctx.publicUrl))
    },
  )

  api.get<{ Querystring: { account_id?: string } }>(
    '/feeds',
    {
      config: { rateLimit: {}, scope: 'accounts:manage' },
      schema: {
        tags: ['feeds'],
        summary: 'List feeds',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: { account_id: { type: 'string', minLength: 1, maxLength: 128 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { data: { type: 'array', items: feedViewSchema } },
            required: ['data'],
          },
          // A list has nothing to be missing: no 404.
          ...listErrors,
        },
      },
    },
    async (request) => {
      const list = await listFeeds(
        ctx,
        request.query.account_id === undefined ? {} : { accountId: request.query.account_id },
      )
      return { data: list.map((feed) => feedView(feed, ctx.publicUrl)) }
    },
  )

  api.get<{ Params: { id: string } }>(
    '/feeds/:id',
    {
      config: { rateLimit: {}, scope: 'accounts:manage', errors: ['not_found'] },
      schema: {
        tags: ['feeds'],
        summary: 'Read a feed’s settings',
        security: [{ apiKey: [] }],
        params: feedIdParams,
        response: { 200: feedViewSchema, ...errors },
      },
    },
    async (request) => {
      const row = await getFeed(ctx, request.params.id)
      if (row === undefined) throw new ServiceError('not_found', 'no feed has this id')
      return feedView(feedInfo(row), ctx.publicUrl)
    },
  )

  api.delete<{ Params: { id: string } }>(
    '/feeds/:id',
    {
      config: { rateLimit: {}, scope: 'accounts:manage', errors: ['not_found'] },
      schema: {
        tags: ['feeds'],
        summary: 'Unpublish a feed',
        description: 'Its public URL answers 404 from then on.',
        security: [{ apiKey: [] }],
        params: feedIdParams,
        response: { 204: { type: 'null', description: 'Removed.' }, ...errors },
      },
    },
    async (request, reply) => {
      const removed = await unpublishFeed(ctx, request.params.id)
      if (!removed) throw new ServiceError('not_found', 'no feed has this id')
      return reply.code(204).send()
    },
  )
}

/** Sets CORS headers when the request's Origin is allowed; always varies on Origin. */
function allowOrigin(
  request: FastifyRequest,
  reply: FastifyReply,
  allowed: readonly string[],
): boolean {
  void reply.header('vary', 'Origin')
  const origin = request.headers.origin
  if (origin === undefined || !allowed.includes(origin)) return false
  void reply
    .header('access-control-allow-origin', origin)
    .header('access-control-expose-headers', `ETag, ${STALE_HEADER}`)
  return true
}

/** RFC 9110 If-None-Match: a list of (possibly weak) tags, or `*` (also read by the lean path). */
export function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}
