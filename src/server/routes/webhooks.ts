import type { FastifyInstance } from 'fastify'
import type { BrokerContext } from '../../broker/context.js'
import { ServiceError } from '../../broker/service-error.js'
import { WEBHOOK_EVENT_TYPES } from '../../broker/webhooks/webhook-events.js'
import { addWebhookSubscriber } from '../../broker/webhooks/add-subscriber.js'
import { DestinationAllowList } from '../../broker/webhooks/destination.js'
import {
  getWebhookSubscriber,
  listWebhookDeliveries,
  listWebhookSubscribers,
  removeWebhookSubscriber,
} from '../../broker/read/webhooks.js'
import type { WebhookDeliveryRow, WebhookSubscriberRow } from '../../broker/types.js'
import { guardApiGroup } from '../api-key-guard.js'
import type { ApiKeyGuard } from '../api-key-guard.js'
import { idParams } from './schemas.js'

/** A subscriber as the API and CLI show it: never the secret. */
export interface WebhookSubscriberView {
  readonly id: string
  readonly url: string
  readonly events: readonly string[]
  readonly created_at: string
  readonly disabled_at: string | null
}

/**
 * The public view of a subscriber row.
 * @param row - the stored row
 */
export function webhookSubscriberView(row: WebhookSubscriberRow): WebhookSubscriberView {
  return {
    id: row.id,
    url: row.url,
    events: row.events.split(','),
    created_at: new Date(row.created_at).toISOString(),
    disabled_at: row.disabled_at === null ? null : new Date(row.disabled_at).toISOString(),
  }
}

function deliveryView(row: WebhookDeliveryRow): Record<string, unknown> {
  return {
    id: row.id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: new Date(row.created_at).toISOString(),
    delivered_at: row.delivered_at === null ? null : new Date(row.delivered_at).toISOString(),
    next_attempt_at:
      row.next_attempt_at === null ? null : new Date(row.next_attempt_at).toISOString(),
  }
}

/**
 * `/api/v1/webhooks`: add, list and remove webhook subscribers, and see their deliveries. The same
 * bearer API keys and error body as the token API.
 */
export function webhookRoutes(
  app: FastifyInstance,
  deps: { ctx: BrokerContext; guard: ApiKeyGuard; allow?: DestinationAllowList },
): void {
  const { ctx } = deps
  const allow = deps.allow ?? new DestinationAllowList()
  app.register(
    (api, _opts, done) => {
      guardApiGroup(api, deps.guard)

      api.post<{ Body: { url: string; secret: string; events?: string[] } }>(
        '/',
        {
          config: { rateLimit: {}, scope: 'webhooks:manage' },
          schema: {
            summary: 'Add a webhook subscriber (its secret signs every delivery)',
            body: {
              type: 'object',
              properties: {
                url: { type: 'string', minLength: 1, maxLength: 2000 },
                secret: { type: 'string', minLength: 16, maxLength: 512 },
                events: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 20,
                  items: { type: 'string', enum: ['*', ...WEBHOOK_EVENT_TYPES] },
                },
              },
              required: ['url', 'secret'],
              additionalProperties: false,
            },
          },
        },
        async (request, reply) => {
          const { url, secret, events } = request.body
          const row = await addWebhookSubscriber(
            {
              store: ctx.store,
              keyring: ctx.keyring,
              publicUrl: ctx.publicUrl,
              allow,
              now: ctx.now,
            },
            { url, secret, ...(events === undefined ? {} : { events }) },
          )
          return reply.code(201).send(webhookSubscriberView(row))
        },
      )

      api.get(
        '/',
        {
          config: { rateLimit: {}, scope: 'webhooks:manage' },
          schema: { summary: 'List webhook subscribers' },
        },
        async () => ({
          data: (await listWebhookSubscribers(ctx)).map(webhookSubscriberView),
        }),
      )

      api.get<{ Params: { id: string } }>(
        '/:id/deliveries',
        {
          config: { rateLimit: {}, scope: 'webhooks:manage', errors: ['not_found'] },
          schema: {
            summary: 'List a subscriber’s latest deliveries (up to 100, newest first)',
            params: idParams,
          },
        },
        async (request) => {
          const subscriber = await getWebhookSubscriber(ctx, request.params.id)
          if (subscriber === undefined) {
            throw new ServiceError('not_found', 'no webhook subscriber has this id')
          }
          const rows = await listWebhookDeliveries(ctx, subscriber.id, { limit: 100 })
          return { data: rows.map(deliveryView) }
        },
      )

      api.delete<{ Params: { id: string } }>(
        '/:id',
        {
          config: { rateLimit: {}, scope: 'webhooks:manage', errors: ['not_found'] },
          schema: { summary: 'Remove a subscriber', params: idParams },
        },
        async (request, reply) => {
          if (!(await removeWebhookSubscriber(ctx, request.params.id))) {
            throw new ServiceError('not_found', 'no webhook subscriber has this id')
          }
          return reply.code(204).send()
        },
      )
      done()
    },
    { prefix: '/api/v1/webhooks' },
  )
}
