import type { FastifyInstance } from 'fastify'
import { ServiceError } from '../../../broker/service-error.js'
import {
  listWebhookDeliveries,
  listWebhookSubscribers,
  removeWebhookSubscriber,
} from '../../../broker/read/webhooks.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { relativeTime, shortTime } from '../format.js'

/** Webhook subscribers and their recent deliveries (subscribers are added through the API/CLI). */
export function webhookPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps

  app.get('/webhooks', async (request, reply) => {
    const now = ctx.now()
    const subscribers = await Promise.all(
      (await listWebhookSubscribers(ctx)).map(async (s) => ({
        id: s.id,
        url: s.url,
        events: s.events === '*' ? 'all events' : s.events.split(',').join(', '),
        created: shortTime(s.created_at),
        disabled: s.disabled_at === null ? null : shortTime(s.disabled_at),
        deliveries: (await listWebhookDeliveries(ctx, s.id, { limit: 10 })).map((d) => ({
          event: d.event_type,
          status: d.status,
          attempts: d.attempts,
          code: d.last_status_code,
          error: d.last_error,
          when: relativeTime(d.delivered_at ?? d.created_at, now),
          next: d.next_attempt_at === null ? null : relativeTime(d.next_attempt_at, now),
        })),
      })),
    )
    return sendPage(request, reply, './dashboard/webhooks', {
      title: 'Webhooks',
      section: 'webhooks',
      subscribers,
    })
  })

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/remove',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
          required: ['id'],
        },
      },
    },
    async (request, reply) => {
      if (!(await removeWebhookSubscriber(ctx, request.params.id))) {
        throw new ServiceError('not_found', 'no webhook subscriber has this id')
      }
      return reply.redirect(`${DASHBOARD_PATH}/webhooks?done=removed`, 303)
    },
  )
}
