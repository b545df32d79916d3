import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { BrokerContext } from '../../broker/context.js'
import { GraphProxy } from '../../broker/graph-proxy.js'
import type { TokenService } from '../../broker/token-service.js'
import { ServiceError } from '../../broker/service-error.js'
import type { ServiceErrorCode } from '../../broker/service-error.js'
import { guardApiGroup } from '../api-key-guard.js'
import type { ApiKeyGuard } from '../api-key-guard.js'

const params = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    '*': { type: 'string', maxLength: 512 },
  },
  required: ['id'],
  additionalProperties: false,
} as const

// Graph's own parameters (fields, limit, after, metric, period…): any name, string values.
const querystring = {
  type: 'object',
  maxProperties: 30,
  additionalProperties: { type: 'string', maxLength: 2000 },
} as const

const formBody = {
  type: 'object',
  description: 'POST parameters (caption, image_url, message…), sent to Meta form-encoded.',
  maxProperties: 30,
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
} as const

const documented = {
  tags: ['graph proxy'],
  security: [{ apiKey: [] }],
  params,
  querystring,
  // No response schemas: Meta's status and body pass through as they are (a schema for 400
  // would rewrite Meta's numeric error code as a string).
}

// igtoken's own refusals before Meta is called; Meta's answers pass through with their status.
const PROXY_ERRORS: readonly ServiceErrorCode[] = [
  'not_found',
  'graph_path_forbidden',
  'needs_reauth',
  'account_inactive',
  'meta_unreachable',
]

const description =
  'Forwards the call to the account’s Graph host (graph.instagram.com or graph.facebook.com, the configured version) with its token, and answers Meta’s status, body and usage headers. Only the account’s own objects: `me`, its user id, its media. Meta’s errors keep their body, with `error.igtoken` = `{code, action, hint}`. `429` with `Retry-After` when Meta’s budget is nearly used.'

/**
 * `GET|POST|DELETE /api/v1/accounts/{id}/graph/<path>`: the Graph proxy. GET needs `graph:read`,
 * POST and DELETE `graph:write`; the checks and the call are the broker's ({@link GraphProxy}).
 */
export function graphProxyRoutes(
  app: FastifyInstance,
  deps: { ctx: BrokerContext; tokens: TokenService; guard: ApiKeyGuard },
): void {
  const proxy = new GraphProxy(deps.ctx, deps.tokens)
  app.register(
    (api, _opts, done) => {
      guardApiGroup(api, deps.guard)
      const handler = (request: FastifyRequest, reply: FastifyReply) =>
        forward(proxy, request, reply)
      api.get(
        '/accounts/:id/graph/*',
        {
          config: { rateLimit: {}, scope: 'graph:read', errors: PROXY_ERRORS },
          schema: { ...documented, summary: 'Read through the Graph proxy', description },
        },
        handler,
      )
      api.post(
        '/accounts/:id/graph/*',
        {
          config: { rateLimit: {}, scope: 'graph:write', errors: PROXY_ERRORS },
          schema: {
            ...documented,
            summary: 'Write through the Graph proxy',
            description,
            body: formBody,
          },
        },
        handler,
      )
      api.delete(
        '/accounts/:id/graph/*',
        {
          config: { rateLimit: {}, scope: 'graph:write', errors: PROXY_ERRORS },
          schema: { ...documented, summary: 'Delete through the Graph proxy', description },
        },
        handler,
      )
      done()
    },
    { prefix: '/api/v1' },
  )
}

async function forward(
  proxy: GraphProxy,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { id } = request.params as { id: string }
  const method = request.method
  if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') {
    throw new ServiceError('invalid_request', 'the Graph proxy takes GET, POST and DELETE')
  }
  const answer = await proxy.call({
    accountId: id,
    method,
    rawPath: rawGraphPath(request.raw.url ?? ''),
    query: request.query as Record<string, string>,
    ...(method === 'POST' ? { form: stringValues(request.body) } : {}),
  })
  void reply.header('cache-control', 'no-store')
  for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value)
  return reply.code(answer.status).send(answer.body)
}

/**
 * The path after `/graph/` as the client sent it, not decoded: `/api/v1/accounts/{id}/graph/…`
 * has the proxied path from its sixth segment on.
 */
function rawGraphPath(url: string): string {
  const pathname = url.split('?')[0] ?? ''
  return pathname.split('/').slice(6).join('/')
}

function stringValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (typeof body !== 'object' || body === null) return out
  for (const [key, value] of Object.entries(body)) out[key] = String(value)
  return out
}
