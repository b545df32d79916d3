import type { FastifyInstance } from 'fastify'
import { revokeApiKey } from '../../../broker/revoke-api-key.js'
import { ServiceError } from '../../../broker/service-error.js'
import { createApiKey, listApiKeys } from '../../../broker/read/api-keys.js'
import type { CreatedApiKey } from '../../../broker/types.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { relativeTime, shortTime } from '../format.js'

/** API keys: create (the key is shown once, on the page that answers the form) and revoke. */
export function keyPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps

  async function render(
    request: Parameters<typeof sendPage>[0],
    reply: Parameters<typeof sendPage>[1],
    created: (CreatedApiKey & { name: string }) | undefined,
  ) {
    const now = ctx.now()
    const keys = (await listApiKeys(ctx)).map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.key_prefix,
      created: shortTime(k.created_at),
      lastUsed: relativeTime(k.last_used_at, now, 'never'),
      revoked: k.revoked_at === null ? null : shortTime(k.revoked_at),
    }))
    return sendPage(request, reply, './dashboard/keys', {
      title: 'API keys',
      section: 'keys',
      keys,
      created,
    })
  }

  app.get('/keys', (request, reply) => render(request, reply, undefined))

  app.post<{ Body: { name: string } }>(
    '/keys',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(ctx, { name: request.body.name, now: ctx.now() })
      request.log.info({ keyId: created.id }, 'API key created in the dashboard')
      return render(request, reply.code(201), { ...created, name: request.body.name.trim() })
    },
  )

  app.post<{ Params: { id: string } }>(
    '/keys/:id/revoke',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
          required: ['id'],
        },
      },
    },
    async (request, reply) => {
      if (!(await revokeApiKey(ctx, request.params.id))) {
        throw new ServiceError('not_found', 'no active API key has this id')
      }
      return reply.redirect(`${DASHBOARD_PATH}/keys?done=revoked`, 303)
    },
  )
}
