import type { FastifyInstance } from 'fastify'
import { ServiceError } from '../../../broker/service-error.js'
import { unpublishFeed } from '../../../broker/unpublish-feed.js'
import { getAccount, listAccounts } from '../../../broker/read/accounts.js'
import { FEED_MAX_ITEMS, createFeed, listFeeds } from '../../../broker/read/feeds.js'
import type { FeedInfo } from '../../../broker/types.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { relativeTime } from '../format.js'

/** A feed as the pages list it. */
export function feedRowView(feed: FeedInfo, username: string, publicUrl: string, now: number) {
  return {
    id: feed.id,
    url: `${publicUrl}/feeds/${feed.id}.json`,
    accountId: feed.accountId,
    username,
    label: feed.label,
    limit: feed.limit,
    origins: feed.allowedOrigins,
    refreshed: relativeTime(feed.snapshotAt, now, 'not yet'),
    lastError: feed.lastErrorCode,
  }
}

/** The feeds page: every published feed, publish one, remove one. */
export function feedPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps

  app.get('/feeds', async (request, reply) => {
    const now = ctx.now()
    const accounts = (await listAccounts(ctx, { limit: 500 })).items
    const names = new Map(accounts.map((a) => [a.id, a.username]))
    const feeds = await listFeeds(ctx)
    return sendPage(request, reply, './dashboard/feeds', {
      title: 'Public feeds',
      section: 'feeds',
      feeds: feeds.map((f) => feedRowView(f, names.get(f.accountId) ?? '?', ctx.publicUrl, now)),
      accounts: accounts
        .filter((a) => a.status === 'active')
        .map((a) => ({ id: a.id, username: a.username })),
      defaultFeedItems: deps.defaultFeedItems,
      maxItems: FEED_MAX_ITEMS,
    })
  })

  app.post<{
    Body: { account_id: string; limit?: string; origins?: string; label?: string; from?: string }
  }>(
    '/feeds',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            _csrf: { type: 'string' },
            account_id: { type: 'string', minLength: 1, maxLength: 128 },
            limit: { type: 'string', pattern: '^[0-9]{0,3}$' },
            origins: { type: 'string', maxLength: 6000 },
            label: { type: 'string', maxLength: 100 },
            from: { type: 'string', enum: ['feeds', 'account'] },
          },
          required: ['account_id'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const body = request.body
      const account = await getAccount(ctx, body.account_id)
      if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
      try {
        await createFeed(ctx, {
          accountId: account.id,
          limit:
            body.limit === undefined || body.limit === ''
              ? deps.defaultFeedItems
              : Number(body.limit),
          allowedOrigins: (body.origins ?? '').split(/[\s,]+/).filter(Boolean),
          label: body.label ?? null,
          now: ctx.now(),
        })
      } catch (error) {
        if (error instanceof TypeError) throw new ServiceError('invalid_request', error.message)
        throw error
      }
      const back =
        body.from === 'account'
          ? `${DASHBOARD_PATH}/accounts/${encodeURIComponent(account.id)}`
          : `${DASHBOARD_PATH}/feeds`
      return reply.redirect(`${back}?done=published`, 303)
    },
  )

  app.post<{ Params: { id: string } }>(
    '/feeds/:id/remove',
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
      if (!(await unpublishFeed(ctx, request.params.id))) {
        throw new ServiceError('not_found', 'no feed has this id')
      }
      return reply.redirect(`${DASHBOARD_PATH}/feeds?done=removed`, 303)
    },
  )
}
