import type { FastifyInstance } from 'fastify'
import type { BrokerContext } from '../../broker/context.js'
import { handleDataDeletion, handleDeauthorize } from '../../broker/meta-callbacks.js'
import { ServiceError } from '../../broker/service-error.js'
import { getDeletionRequestByCode } from '../../broker/read/deletions.js'
import type { Metrics } from '../plugins/metrics.js'
import { sendError } from '../errors.js'
import { sendFailure, wantsJson } from '../respond.js'
import { renderPage } from '../views.js'
import { shortTime } from '../dashboard/format.js'

const STATUS_TEXT: Readonly<Record<string, string>> = {
  received: 'Received, in progress',
  completed: 'Completed: the data was deleted',
  failed: 'Failed: we will contact you',
}

/** Meta's deauthorize and data-deletion callbacks, and the deletion status page. */
export function metaCallbackRoutes(
  app: FastifyInstance,
  deps: { ctx: BrokerContext; metrics: Metrics },
): void {
  const { ctx, metrics } = deps
  const options = { config: { rateLimit: {} }, bodyLimit: 64 * 1024 }

  app.post<{ Body: Record<string, unknown> | undefined }>(
    '/meta/deauthorize',
    options,
    async (request, reply) => {
      try {
        const revoked = await handleDeauthorize(ctx, request.body?.['signed_request'])
        metrics.callbacks.inc({ kind: 'deauthorize', outcome: 'ok' })
        return await reply.send({ ok: true, revoked })
      } catch (error) {
        metrics.callbacks.inc({ kind: 'deauthorize', outcome: 'refused' })
        if (error instanceof ServiceError) return sendError(reply, error)
        throw error
      }
    },
  )

  app.post<{ Body: Record<string, unknown> | undefined }>(
    '/meta/data-deletion',
    options,
    async (request, reply) => {
      try {
        const answer = await handleDataDeletion(ctx, request.body?.['signed_request'])
        metrics.callbacks.inc({ kind: 'data_deletion', outcome: 'ok' })
        return await reply.type('application/json').send(answer)
      } catch (error) {
        metrics.callbacks.inc({ kind: 'data_deletion', outcome: 'refused' })
        if (error instanceof ServiceError) return sendError(reply, error)
        throw error
      }
    },
  )

  app.get<{ Params: { code: string } }>(
    '/meta/data-deletion/:code',
    options,
    async (request, reply) => {
      const found = await getDeletionRequestByCode(ctx, request.params.code)
      if (found === undefined) {
        return sendFailure(
          request,
          reply,
          new ServiceError('not_found', 'no data deletion request has this confirmation code'),
          { title: 'Unknown request', linkHref: '/', linkText: 'Home' },
        )
      }
      const requested = new Date(found.requested_at).toISOString()
      const completed =
        found.completed_at === null ? null : new Date(found.completed_at).toISOString()
      if (wantsJson(request)) {
        return reply.send({
          confirmation_code: found.confirmation_code,
          status: found.status,
          requested_at: requested,
          completed_at: completed,
        })
      }
      return reply.type('text/html; charset=utf-8').send(
        renderPage('./deletion-status', {
          request: { confirmationCode: found.confirmation_code, status: found.status },
          statusText: STATUS_TEXT[found.status] ?? found.status,
          requestedIso: requested,
          requestedText: shortTime(found.requested_at),
          completedIso: completed,
          completedText: shortTime(found.completed_at),
        }),
      )
    },
  )
}
