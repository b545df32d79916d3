import type { FastifyInstance } from 'fastify'
import {
  cancelConnectLink,
  createConnectLink,
  listConnectLinkViews,
  MAX_LINK_SECONDS,
} from '../../broker/connect-links/index.js'
import type { BrokerContext } from '../../broker/context.js'
import { guardApiGroup } from '../api-key-guard.js'
import type { ApiKeyGuard } from '../api-key-guard.js'
import { errorSchema, idParams, nullableTime, pageOf, pagedQuery } from './schemas.js'

// Values are left untyped here on purpose: a schema union would coerce 3 into "3". The domain
// screens them (plain string, number, boolean or null; nothing secret-looking).
const PLAIN_VALUE = { description: 'a string, number, boolean or null' } as const

/** A connect link as the API shows it (never its secret). */
const connectLinkSchema = {
  $id: 'ConnectLink',
  type: 'object',
  description: 'A single-use link that lets a client connect an account (never its secret).',
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'used', 'expired', 'cancelled'] },
    label: { type: ['string', 'null'] },
    metadata: {
      type: 'object',
      additionalProperties: PLAIN_VALUE,
    },
    scopes: { type: 'array', items: { type: 'string' } },
    return_to: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
    used_at: nullableTime,
    cancelled_at: nullableTime,
    account_id: { type: ['string', 'null'] },
  },
  required: [
    'id',
    'state',
    'label',
    'metadata',
    'scopes',
    'return_to',
    'created_at',
    'expires_at',
    'used_at',
    'cancelled_at',
    'account_id',
  ],
} as const

const createBody = {
  type: 'object',
  properties: {
    label: { type: 'string', maxLength: 100 },
    metadata: {
      type: 'object',
      maxProperties: 20,
      additionalProperties: PLAIN_VALUE,
    },
    scopes: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 100 } },
    return_to: { type: 'string', maxLength: 2000 },
    expires_in_seconds: { type: 'integer', minimum: 60, maximum: MAX_LINK_SECONDS },
  },
  additionalProperties: false,
} as const

interface CreateBody {
  label?: string
  metadata?: Record<string, string | number | boolean | null>
  scopes?: string[]
  return_to?: string
  expires_in_seconds?: number
}

const errors = { 400: errorSchema, 401: errorSchema, 429: errorSchema }
const documented = { tags: ['connect links'], security: [{ apiKey: [] }] }

/**
 * `/api/v1/connect-links`: create, list and cancel the single-use links an agency sends its
 * clients. The same bearer API keys and error body as the token API.
 */
export function connectLinkApiRoutes(
  app: FastifyInstance,
  deps: { ctx: BrokerContext; guard: ApiKeyGuard },
): void {
  const { ctx } = deps
  app.addSchema(connectLinkSchema)
  app.register(
    (api, _opts, done) => {
      guardApiGroup(api, deps.guard)

      api.post<{ Body: CreateBody }>(
        '/',
        {
          config: { rateLimit: {}, scope: 'links:manage', errors: ['return_to_refused'] },
          schema: {
            ...documented,
            summary: 'Create a connect link; its url (with the secret) is shown only here',
            body: createBody,
            response: {
              201: {
                type: 'object',
                properties: {
                  url: { type: 'string', description: 'Send it to the client; shown once.' },
                  link: { $ref: 'ConnectLink#' },
                },
                required: ['url', 'link'],
              },
              ...errors,
            },
          },
        },
        async (request, reply) => {
          const body = request.body
          const created = await createConnectLink(ctx, {
            label: body.label,
            metadata: body.metadata,
            scopes: body.scopes,
            returnTo: body.return_to,
            expiresInSeconds: body.expires_in_seconds,
          })
          return reply.code(201).send(created)
        },
      )

      api.get<{ Querystring: { limit?: number; cursor?: string } }>(
        '/',
        {
          config: { rateLimit: {}, scope: 'links:manage' },
          schema: {
            ...documented,
            summary: 'List connect links, newest first, with their state',
            querystring: pagedQuery(),
            response: {
              200: pageOf({ $ref: 'ConnectLink#' }),
              ...errors,
            },
          },
        },
        async (request) => {
          const { limit, cursor } = request.query
          const page = await listConnectLinkViews(ctx, {
            ...(limit === undefined ? {} : { limit }),
            ...(cursor === undefined ? {} : { cursor }),
          })
          return { data: page.items, next_cursor: page.nextCursor ?? null }
        },
      )

      api.delete<{ Params: { id: string } }>(
        '/:id',
        {
          config: { rateLimit: {}, scope: 'links:manage', errors: ['not_found', 'link_used'] },
          schema: {
            ...documented,
            summary: 'Cancel a link (404 unknown, 409 already used)',
            params: idParams,
            response: {
              200: { $ref: 'ConnectLink#' },
              ...errors,
              404: errorSchema,
              409: errorSchema,
            },
          },
        },
        async (request) => cancelConnectLink(ctx, request.params.id),
      )
      done()
    },
    { prefix: '/api/v1/connect-links' },
  )
}
