import type { FastifyInstance } from 'fastify'
import { disconnectAccount } from '../../../broker/disconnect-account.js'
import { ServiceError } from '../../../broker/service-error.js'
import { SERVED_TOKEN_KIND } from '../../../broker/token-kinds.js'
import {
  getAccount,
  getToken,
  listAccountsWithTokens,
  listEventsByAccount,
} from '../../../broker/read/accounts.js'
import { listFeeds } from '../../../broker/read/feeds.js'
import { ACCOUNT_STATUSES, splitScopes } from '../../../broker/types.js'
import type { AccountRow, AccountStatus, EventRecord, TokenRow } from '../../../broker/types.js'
import { DASHBOARD_PATH, sendPage } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { isoTime, relativeTime, shortTime, shownValue } from '../format.js'
import { feedRowView } from './feeds.js'
import { getFlavor } from '../../../meta/index.js'
import type { FlavorName } from '../../../meta/index.js'
import { idParams } from '../../routes/schemas.js'

const STATUS_TEXT: Readonly<Record<string, string>> = {
  active: 'Active',
  needs_reauth: 'Needs reconnect',
  revoked: 'Revoked',
  expired: 'Expired',
}

/** An account row and its token as the pages show them. */
export function accountSummary(account: AccountRow, token: TokenRow | undefined, now: number) {
  const expiresAt = token?.expires_at ?? null
  return {
    id: account.id,
    username: account.username,
    label: account.label,
    flavor: account.flavor,
    status: account.status,
    statusText: STATUS_TEXT[account.status] ?? account.status,
    statusReason: account.status_reason,
    scopes: splitScopes(account.scopes),
    expiresIn: relativeTime(expiresAt, now, 'never'),
    expiresIso: isoTime(expiresAt),
    expiresText: shortTime(expiresAt, 'never'),
    expiringSoon: expiresAt !== null && expiresAt - now < 7 * 86_400_000,
    lastRefresh: relativeTime(token?.refreshed_at ?? null, now, 'not yet'),
    lastRefreshIso: isoTime(token?.refreshed_at ?? null),
    nextRefresh: relativeTime(token?.next_refresh_at ?? null, now, 'not planned'),
    nextRefreshIso: isoTime(token?.next_refresh_at ?? null),
    lastError: token?.last_error_code ?? null,
    connectedText: shortTime(account.connected_at),
    connectedIso: isoTime(account.connected_at),
    userId: account.ig_user_id ?? account.meta_user_id,
  }
}

function eventView(event: EventRecord) {
  return {
    type: event.type,
    whenIso: isoTime(event.createdAt),
    whenText: shortTime(event.createdAt),
    // Each detail with times as `<time>` (the view joins them with commas).
    details: Object.entries(event.detail).map(([key, value]) => ({ key, ...shownValue(value) })),
  }
}

/** The accounts list (with status filters) and the account page (history, refresh, disconnect). */
export function accountPages(app: FastifyInstance, deps: DashboardDeps): void {
  const { ctx } = deps
  const kind = SERVED_TOKEN_KIND[ctx.flavor]

  app.get<{ Querystring: { status?: string; cursor?: string; done?: string } }>(
    '/',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...ACCOUNT_STATUSES] },
            cursor: { type: 'string', maxLength: 200 },
            done: { type: 'string', maxLength: 40 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { status, cursor } = request.query
      let page
      try {
        page = await listAccountsWithTokens(ctx, kind, {
          limit: 100,
          ...(status === undefined ? {} : { status: status as AccountStatus }),
          ...(cursor === undefined ? {} : { cursor }),
        })
      } catch (error) {
        if (error instanceof TypeError) throw new ServiceError('invalid_request', error.message)
        throw error
      }
      const now = ctx.now()
      const accounts = page.items.map(({ account, token }) => accountSummary(account, token, now))
      const filters = [
        { value: '', text: 'All' },
        ...ACCOUNT_STATUSES.map((s) => ({ value: s, text: STATUS_TEXT[s] ?? s })),
      ].map((f) => ({
        ...f,
        href: f.value === '' ? DASHBOARD_PATH : `${DASHBOARD_PATH}?status=${f.value}`,
        current: (status ?? '') === f.value,
      }))
      const next =
        page.nextCursor === undefined
          ? null
          : `${DASHBOARD_PATH}?${new URLSearchParams({
              ...(status === undefined ? {} : { status }),
              cursor: page.nextCursor,
            }).toString()}`
      return sendPage(request, reply, './dashboard/accounts', {
        title: 'Accounts',
        section: 'accounts',
        accounts,
        filters,
        filtered: status !== undefined,
        next,
        demo: deps.demo,
        metaProblems: deps.metaProbes?.report.failed ?? [],
      })
    },
  )

  app.get<{ Params: { id: string }; Querystring: { done?: string; failed?: string } }>(
    '/accounts/:id',
    {
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            done: { type: 'string', maxLength: 40 },
            failed: { type: 'string', pattern: '^[a-z_]{1,40}$' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const account = await getAccount(ctx, request.params.id)
      if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
      const now = ctx.now()
      const events = await listEventsByAccount(ctx, account.id, { limit: 50 })
      const feeds = await listFeeds(ctx, { accountId: account.id })
      const token = await getToken(ctx, account.id, kind)
      return sendPage(request, reply, './dashboard/account', {
        title: `@${account.username}`,
        section: 'accounts',
        account: accountSummary(account, token, now),
        refreshRule: refreshRule(ctx.flavor, token, now),
        events: events.items.map(eventView),
        feeds: feeds.map((f) => feedRowView(f, account.username, ctx.publicUrl, now)),
        failed: request.query.failed,
        defaultFeedItems: deps.defaultFeedItems,
        canRefresh: getFlavor(ctx.flavor).refreshable,
      })
    },
  )

  app.post<{ Params: { id: string } }>(
    '/accounts/:id/refresh',
    { schema: { params: idParams } },
    async (request, reply) => {
      const base = `${DASHBOARD_PATH}/accounts/${encodeURIComponent(request.params.id)}`
      const account = await getAccount(ctx, request.params.id)
      if (account === undefined) throw new ServiceError('not_found', 'no account has this id')
      try {
        await deps.tokens.refresh(account.id, 'api')
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error
        request.log.info({ code: error.code }, 'dashboard refresh failed')
        return reply.redirect(`${base}?failed=${error.reason ?? error.code}`, 303)
      }
      return reply.redirect(`${base}?done=refreshed`, 303)
    },
  )

  app.post<{ Params: { id: string } }>(
    '/accounts/:id/disconnect',
    { schema: { params: idParams } },
    async (request, reply) => {
      await disconnectAccount(ctx, { accountId: request.params.id }, 'dashboard')
      return reply.redirect(`${DASHBOARD_PATH}?done=disconnected`, 303)
    },
  )
}

/**
 * Meta's refresh rule in words, while the token is too young for it: the flavor's minimum age
 * (src/meta/flavors, the one home of the rule) and the instant the token becomes refreshable.
 */
function refreshRule(flavor: FlavorName, token: TokenRow | undefined, now: number) {
  const facts = getFlavor(flavor)
  if (!facts.refreshable || token === undefined) return null
  const from = token.issued_at + facts.minRefreshAgeSeconds * 1000
  return {
    hours: facts.minRefreshAgeSeconds / 3600,
    fromIso: isoTime(from),
    fromText: shortTime(from),
    tooEarly: now < from,
  }
}
