import type { FastifyInstance } from 'fastify'
import { revokeApiKey } from '../../../broker/revoke-api-key.js'
import { ServiceError } from '../../../broker/service-error.js'
import { API_KEY_SCOPES, API_KEY_SCOPE_HELP } from '../../../broker/api-key-scopes.js'
import { createScopedApiKey, listApiKeyListings } from '../../../broker/api-keys.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { relativeTime, shortTime } from '../format.js'

/** API keys: create (the key is shown once, on the page that answers the form) and revoke. */
export function keyPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps

  async function render(
    request: Parameters<typeof sendPage>[0],
    reply: Parameters<typeof sendPage>[1],
    created: { key: string; name: string; scopes: readonly string[] } | undefined,
  ) {
    const now = ctx.now()
    const keys = (await listApiKeyListings(ctx)).map((k) => ({
      id: k.id,
      name: k.name,
      scopes: k.scopes.join(', '),
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
      scopes: API_KEY_SCOPES.map((name) => ({ name, help: API_KEY_SCOPE_HELP[name] })),
    })
  }

  app.get('/keys', (request, reply) => render(request, reply, undefined))

  app.post<{ Body: { name: string; scopes?: string | string[] } }>(
    '/keys',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
            // One checkbox ticked arrives as a string, several as a list.
            scopes: {
              anyOf: [
                { type: 'string', maxLength: 40 },
                { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 40 } },
              ],
            },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const ticked = request.body.scopes
      // No box ticked is refused (a key that may do nothing), not read as "every scope".
      const scopes = ticked === undefined ? [] : typeof ticked === 'string' ? [ticked] : ticked
      const created = await createScopedApiKey(ctx, { name: request.body.name, scopes })
      request.log.info(
        { keyId: created.id, scopes: created.scopes },
        'API key created in the dashboard',
      )
      return render(request, reply.code(201), {
        key: created.key,
        name: request.body.name.trim(),
        scopes: created.scopes,
      })
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
