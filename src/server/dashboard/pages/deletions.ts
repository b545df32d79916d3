import type { FastifyInstance } from 'fastify'
import { disconnectAccount } from '../../../broker/disconnect-account.js'
import { ServiceError } from '../../../broker/service-error.js'
import { listAccounts } from '../../../broker/read/accounts.js'
import { listDeletionRequests } from '../../../broker/read/deletions.js'
import { sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { isoTime, shortTime } from '../format.js'

/**
 * Data-deletion requests: Meta's (from the signed callback) and those people send by e-mail, which
 * an operator records here. Recording one deletes everything about the person at once.
 */
export function deletionPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps

  async function render(
    request: Parameters<typeof sendPage>[0],
    reply: Parameters<typeof sendPage>[1],
    recorded: { code: string; url: string; detail: string } | undefined,
  ) {
    const rows = await listDeletionRequests(ctx, { limit: 200 })
    const accounts = (await listAccounts(ctx, { limit: 500 })).items
    return sendPage(request, reply, './dashboard/deletions', {
      title: 'Data deletion',
      section: 'deletions',
      requests: rows.map((r) => ({
        code: r.confirmation_code,
        statusUrl: `/meta/data-deletion/${r.confirmation_code}`,
        source: r.source === 'meta' ? 'Meta callback' : 'Recorded by an operator',
        status: r.status,
        requested: shortTime(r.requested_at),
        requestedIso: isoTime(r.requested_at),
        completed: shortTime(r.completed_at, '—'),
        completedIso: isoTime(r.completed_at),
        detail: r.detail,
      })),
      accounts: accounts.map((a) => ({ id: a.id, username: a.username })),
      recorded,
    })
  }

  app.get('/deletions', (request, reply) => render(request, reply, undefined))

  app.post<{ Body: { account_id?: string; meta_user_id?: string } }>(
    '/deletions',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            account_id: { type: 'string', maxLength: 128 },
            meta_user_id: { type: 'string', maxLength: 128 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const metaUserId = request.body.meta_user_id?.trim() ?? ''
      const accountId = request.body.account_id ?? ''
      if (accountId === '' && !/^[A-Za-z0-9_.:-]{1,128}$/.test(metaUserId)) {
        throw new ServiceError(
          'invalid_request',
          'choose an account, or give the app-scoped user id the person’s e-mail refers to',
        )
      }
      const done = await disconnectAccount(
        ctx,
        accountId === '' ? { metaUserId } : { accountId },
        'manual_deletion',
      )
      const deletion = done.deletion
      if (deletion === undefined)
        throw new ServiceError('internal', 'the deletion was not recorded')
      return render(request, reply.code(201), {
        code: deletion.confirmationCode,
        url: `${ctx.publicUrl}/meta/data-deletion/${deletion.confirmationCode}`,
        detail: deletion.detail,
      })
    },
  )
}
