import type { FastifyInstance } from 'fastify'
import { accountView } from '../../broker/account-view.js'
import type { RequiredScope } from '../../broker/api-key-scopes.js'
import type { BrokerContext } from '../../broker/context.js'
import { disconnectAccount } from '../../broker/disconnect-account.js'
import { ServiceError } from '../../broker/service-error.js'
import { SERVED_TOKEN_KIND } from '../../broker/token-kinds.js'
import type { TokenService } from '../../broker/token-service.js'
import { getAccount, getToken, listAccountsWithTokens } from '../../broker/read/accounts.js'
import { ACCOUNT_STATUSES } from '../../broker/types.js'
import type { AccountStatus } from '../../broker/types.js'
import { guardApiGroup } from '../api-key-guard.js'
import type { ApiKeyGuard } from '../api-key-guard.js'
import { TOKEN_HEADERS, TOKEN_SCOPE, tokenBody } from '../token-answer.js'
import type { FeedPublisher } from '../../broker/feeds.js'
import { feedApiRoutes } from './feeds.js'
import { errorSchema, idParams, nullableTime, pageOf, pagedQuery } from './schemas.js'

const accountSchema = {
  type: 'object',
  description: 'A connected account and the state of its token (never the token itself).',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    flavor: { type: 'string', enum: ['instagram-login', 'facebook-login', 'basic-display'] },
    status: { type: 'string', enum: [...ACCOUNT_STATUSES] },
    status_reason: { type: ['string', 'null'] },
    label: { type: ['string', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    user_id: { type: 'string', description: 'The Instagram user id to call the Graph API with.' },
    meta_user_id: { type: 'string', description: 'The app-scoped id Meta’s callbacks name.' },
    expires_at: nullableTime,
    refreshed_at: nullableTime,
    next_refresh_at: nullableTime,
    last_error: { type: ['string', 'null'] },
    connected_at: { type: 'string', format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
  },
  required: [
    'id',
    'username',
    'flavor',
    'status',
    'status_reason',
    'label',
    'scopes',
    'user_id',
    'meta_user_id',
    'expires_at',
    'refreshed_at',
    'next_refresh_at',
    'last_error',
    'connected_at',
    'created_at',
  ],
} as const

const apiErrors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  429: errorSchema,
}
// A list has nothing to be missing: no 404.
const { 404: _notFound, ...listErrors } = apiErrors
const tokenErrors = { ...apiErrors, 409: errorSchema, 502: errorSchema }
const documented = { tags: ['accounts'], security: [{ apiKey: [] }] }

/** Any key that may use an account in some way may see which accounts there are. */
const ACCOUNT_READERS: RequiredScope = [
  'tokens:read',
  'graph:read',
  'graph:write',
  'accounts:manage',
]

/**
 * The token API under /api/v1, for the apps that use the tokens. Every route needs a bearer API
 * key (`igtoken keys create`).
 */
export function apiRoutes(
  app: FastifyInstance,
  deps: {
    ctx: BrokerContext
    tokens: TokenService
    /** The one key check of the /api/v1 groups (built once in buildApp). */
    guard: ApiKeyGuard
    /** Public feeds (`/api/v1/feeds`); left out, those routes do not exist. */
    feeds?: { publisher: FeedPublisher; defaultItems: number }
  },
): void {
  const { ctx, tokens } = deps

  app.register(
    (api, _opts, done) => {
      guardApiGroup(api, deps.guard)

      api.get<{ Querystring: { status?: string; limit?: number; cursor?: string } }>(
        '/accounts',
        {
          config: { rateLimit: {}, scope: ACCOUNT_READERS },
          schema: {
            ...documented,
            summary: 'List accounts',
            description: 'Newest first, with cursor paging.',
            querystring: pagedQuery({ status: { type: 'string', enum: [...ACCOUNT_STATUSES] } }),
            response: {
              200: pageOf(accountSchema),
              ...listErrors,
            },
          },
        },
        async (request) => {
          const { status, limit, cursor } = request.query
          let page
          try {
            page = await listAccountsWithTokens(ctx, SERVED_TOKEN_KIND[ctx.flavor], {
              ...(status === undefined ? {} : { status: status as AccountStatus }),
              ...(limit === undefined ? {} : { limit }),
              ...(cursor === undefined ? {} : { cursor }),
            })
          } catch (error) {
            if (error instanceof TypeError) throw new ServiceError('invalid_request', error.message)
            throw error
          }
          const data = page.items.map(({ account, token }) => accountView(account, token))
          return { data, next_cursor: page.nextCursor ?? null }
        },
      )

      api.get<{ Params: { id: string } }>(
        '/accounts/:id',
        {
          config: { rateLimit: {}, scope: ACCOUNT_READERS, errors: ['not_found'] },
          schema: {
            ...documented,
            summary: 'Read an account',
            params: idParams,
            response: { 200: accountSchema, ...apiErrors },
          },
        },
        async (request) => {
          const account = await getAccount(ctx, request.params.id)
          if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
          return accountView(
            account,
            await getToken(ctx, account.id, SERVED_TOKEN_KIND[ctx.flavor]),
          )
        },
      )

      api.get<{ Params: { id: string } }>(
        '/accounts/:id/token',
        {
          config: {
            rateLimit: {},
            scope: TOKEN_SCOPE,
            errors: [
              'not_found',
              'needs_reauth',
              'account_inactive',
              'meta_error',
              'meta_unreachable',
            ],
          },
          schema: {
            ...documented,
            summary: 'Get a valid token',
            description:
              'The account’s current token, refreshed first when it is close to expiry. Sent with `Cache-Control: no-store`.',
            params: idParams,
            response: {
              200: {
                type: 'object',
                properties: {
                  access_token: { type: 'string' },
                  expires_at: nullableTime,
                  account_id: { type: 'string' },
                  user_id: { type: 'string' },
                },
                required: ['access_token', 'expires_at', 'account_id', 'user_id'],
              },
              ...tokenErrors,
            },
          },
        },
        async (request, reply) => {
          const served = await tokens.getToken(request.params.id)
          return reply.headers(TOKEN_HEADERS).send(tokenBody(served))
        },
      )

      api.post<{ Params: { id: string } }>(
        '/accounts/:id/refresh',
        {
          config: {
            rateLimit: {},
            scope: ['tokens:read', 'accounts:manage'],
            errors: [
              'not_found',
              'needs_reauth',
              'account_inactive',
              'meta_error',
              'meta_unreachable',
            ],
          },
          schema: {
            ...documented,
            summary: 'Refresh the token now',
            params: idParams,
            response: { 200: accountSchema, ...tokenErrors },
          },
        },
        async (request) => {
          await tokens.refresh(request.params.id, 'api')
          const account = await getAccount(ctx, request.params.id)
          if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
          return accountView(
            account,
            await getToken(ctx, account.id, SERVED_TOKEN_KIND[ctx.flavor]),
          )
        },
      )

      api.delete<{ Params: { id: string } }>(
        '/accounts/:id',
        {
          config: { rateLimit: {}, scope: 'accounts:manage', errors: ['not_found'] },
          schema: {
            ...documented,
            summary: 'Disconnect an account',
            description: 'Deletes the account and its tokens; its event history stays.',
            params: idParams,
            response: { 204: { type: 'null', description: 'Deleted.' }, ...apiErrors },
          },
        },
        async (request, reply) => {
          await disconnectAccount(ctx, { accountId: request.params.id }, 'api')
          return reply.code(204).send()
        },
      )
      if (deps.feeds !== undefined) feedApiRoutes(api, { ctx, ...deps.feeds })
      done()
    },
    { prefix: '/api/v1' },
  )
}
