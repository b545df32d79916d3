import { SIGN_IN_LINK_PATH } from '../../broker/dashboard-sign-in-link.js'
import csrfProtection from '@fastify/csrf-protection'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ServiceError } from '../../broker/service-error.js'
import { httpStatusOf } from '../errors.js'
import { findDashboardSession } from '../../broker/read/dashboard-sessions.js'
import { renderPage } from '../views.js'
import { strictQuery } from '../plugins/strict-query.js'
import { DASHBOARD_PATH, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE } from './context.js'
import type { DashboardDeps } from './context.js'
import { accountPages } from './pages/accounts.js'
import { authPages } from './pages/auth.js'
import { deletionPages } from './pages/deletions.js'
import { feedPages } from './pages/feeds.js'
import { keyPages } from './pages/keys.js'
import { timeTravelPages } from './pages/time-travel.js'
import { linkPages } from './pages/links.js'
import { webhookPages } from './pages/webhooks.js'

// Reachable without a session: the sign-in form, the one-time link, and sign-out.
const PUBLIC_PATHS = new Set([
  `${DASHBOARD_PATH}/sign-in`,
  SIGN_IN_LINK_PATH,
  `${DASHBOARD_PATH}/sign-out`,
])

/**
 * The operators' dashboard under /dashboard: server-rendered pages (eta, escaped by default),
 * sessions kept in the database, and CSRF protection on every form (a failed check answers a 403
 * page and changes nothing).
 */
export function dashboardRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  app.register(
    async (dashboard) => {
      // Every page shows the notice named by `?done=` after a form's redirect.
      dashboard.addHook('onRoute', strictQuery({ done: { type: 'string', maxLength: 40 } }))
      dashboard.decorateRequest('operator', null)
      dashboard.decorateRequest('timeTravel', deps.clock !== undefined)
      // Replaced on every request by the onRequest hook below; null keeps the request shape stable.
      dashboard.decorateRequest('session', null as unknown as FastifyRequest['session'])

      // @fastify/csrf-protection reads the secret from `request.session._csrf`: the database session
      // once signed in, or a short-lived cookie for the sign-in form itself.
      await dashboard.register(csrfProtection, {
        sessionPlugin: '@fastify/session',
        getToken: (request) => {
          const body = request.body as Record<string, unknown> | undefined
          return typeof body?.['_csrf'] === 'string' ? body['_csrf'] : undefined
        },
      })

      dashboard.addHook('onRequest', async (request, reply) => {
        const session = await findDashboardSession(
          deps.ctx,
          request.cookies[SESSION_COOKIE],
          deps.sessionNow(),
        )
        request.operator = session ?? null
        request.session = { _csrf: session?.csrf_secret ?? request.cookies[SIGN_IN_CSRF_COOKIE] }
        const path = request.url.split('?')[0] ?? ''
        if (session !== undefined || PUBLIC_PATHS.has(path)) return
        if (request.cookies[SESSION_COOKIE] !== undefined) {
          void reply.clearCookie(SESSION_COOKIE, { path: DASHBOARD_PATH })
        }
        if (request.method === 'GET' || request.method === 'HEAD') {
          return reply.redirect(`${DASHBOARD_PATH}/sign-in`, 303)
        }
        return sendMessage(reply, 401, {
          title: 'Sign in first',
          message: 'Your session has ended. Sign in again; nothing was changed.',
          code: 'unauthorized',
        })
      })

      dashboard.addHook('preHandler', (request, reply, done) => {
        if (request.method === 'POST') dashboard.csrfProtection(request, reply, done)
        else done()
      })

      dashboard.setErrorHandler((error: FastifyError, request, reply) => {
        if (error.code.startsWith('FST_CSRF_')) {
          return sendMessage(reply, 403, {
            title: 'This form has expired',
            message:
              'The form was not accepted (its security token is missing or wrong), so nothing was changed. Open the page again and resend it.',
            code: 'csrf_failed',
          })
        }
        if (error instanceof ServiceError) {
          return sendMessage(reply, httpStatusOf(error), {
            title: 'That did not work',
            message: error.message,
            code: error.code,
          })
        }
        if ('validation' in error || (error.statusCode !== undefined && error.statusCode < 500)) {
          return sendMessage(reply, error.statusCode ?? 400, {
            title: 'That did not work',
            message: 'The form was not filled in as expected; nothing was changed.',
            code: 'invalid_request',
          })
        }
        request.log.error({ err: error }, 'dashboard request failed')
        return sendMessage(reply, 500, {
          title: 'Something went wrong',
          message: 'Something went wrong on our side; nothing was changed.',
          code: 'internal',
        })
      })

      authPages(dashboard, deps)
      accountPages(dashboard, deps)
      keyPages(dashboard, deps)
      feedPages(dashboard, deps)
      webhookPages(dashboard, deps)
      linkPages(dashboard, deps)
      deletionPages(dashboard, deps)
      if (deps.clock !== undefined) timeTravelPages(dashboard, deps.clock)
    },
    { prefix: DASHBOARD_PATH },
  )
}

/** A status page inside the shared layout. */
export function sendMessage(
  reply: FastifyReply,
  status: number,
  page: { title: string; message: string; code: string },
): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      renderPage('./message', {
        ...page,
        failed: true,
        linkHref: DASHBOARD_PATH,
        linkText: 'Back to the dashboard',
      }),
    )
}

/** True when the request came with a signed-in session. */
export function signedIn(request: FastifyRequest): boolean {
  return request.operator !== null
}
