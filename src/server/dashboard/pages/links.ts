import type { FastifyInstance } from 'fastify'
import {
  cancelConnectLink,
  createConnectLink,
  DEFAULT_LINK_SECONDS,
  listConnectLinkViews,
} from '../../../broker/connect-links/index.js'
import type { CreatedConnectLink } from '../../../broker/connect-links/index.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { shortTime } from '../format.js'

interface CreateForm {
  label?: string
  customer?: string
  return_to?: string
  days?: string
}

/**
 * Connect links: create one (its URL is shown once, on the page that answers the form), list
 * them with their state, cancel a pending one. Same use cases as the API and the CLI.
 */
export function linkPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps

  async function render(
    request: Parameters<typeof sendPage>[0],
    reply: Parameters<typeof sendPage>[1],
    created: CreatedConnectLink | undefined,
  ) {
    const page = await listConnectLinkViews(ctx, { limit: 100 })
    const links = page.items.map((link) => ({
      id: link.id,
      label: link.label ?? '',
      metadata: Object.entries(link.metadata)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', '),
      state: link.state,
      accountId: link.account_id,
      created: shortTime(Date.parse(link.created_at)),
      expires: shortTime(Date.parse(link.expires_at)),
    }))
    return sendPage(request, reply, './dashboard/links', {
      title: 'Connect links',
      section: 'links',
      links,
      created,
      defaultDays: DEFAULT_LINK_SECONDS / 86_400,
    })
  }

  app.get('/links', (request, reply) => render(request, reply, undefined))

  app.post<{ Body: CreateForm }>(
    '/links',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            label: { type: 'string', maxLength: 100 },
            customer: { type: 'string', maxLength: 200 },
            return_to: { type: 'string', maxLength: 2000 },
            days: { type: 'string', pattern: '^[0-9]{0,2}$' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const form = request.body
      const customer = form.customer?.trim() ?? ''
      const created = await createConnectLink(ctx, {
        label: form.label?.trim(),
        metadata: customer === '' ? undefined : { customer_id: customer },
        returnTo: form.return_to?.trim(),
        expiresInSeconds:
          form.days === undefined || form.days === '' ? undefined : Number(form.days) * 86_400,
      })
      request.log.info({ linkId: created.link.id }, 'connect link created in the dashboard')
      return render(request, reply.code(201), created)
    },
  )

  app.post<{ Params: { id: string } }>(
    '/links/:id/cancel',
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
      await cancelConnectLink(ctx, request.params.id)
      return reply.redirect(`${DASHBOARD_PATH}/links?done=cancelled`, 303)
    },
  )
}
