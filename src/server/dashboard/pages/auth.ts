import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  createDashboardSession,
  deleteDashboardSession,
} from '../../../broker/read/dashboard-sessions.js'
import {
  SIGN_IN_LINK_PATH,
  useDashboardSignInLink,
} from '../../../broker/dashboard-sign-in-link.js'
import { renderPage } from '../../views.js'
import { DASHBOARD_PATH, NOTICES, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE } from '../context.js'
import type { DashboardDeps } from '../context.js'
import { verifyPassword } from '../password.js'

// Password guessing is slow by design (scrypt) and capped per client address.
const SIGN_IN_RATE_LIMIT = { rateLimit: { max: 10, timeWindow: 60_000 } }

/** Sign-in (password or demo one-time link) and sign-out. */
export function authPages(app: FastifyInstance, deps: DashboardDeps): void {
  const cookieBase = {
    path: DASHBOARD_PATH,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.secureCookies,
  }

  function signInForm(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error: string | undefined,
  ): FastifyReply {
    const before = request.session._csrf
    const csrf = reply.generateCsrf()
    const secret = request.session._csrf
    if (secret !== undefined && secret !== before) {
      void reply.setCookie(SIGN_IN_CSRF_COOKIE, secret, { ...cookieBase, maxAge: 3600 })
    }
    const done = (request.query as Record<string, unknown> | undefined)?.['done']
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        renderPage('./dashboard/sign-in', {
          title: 'Sign in',
          csrf,
          error,
          notice: typeof done === 'string' ? NOTICES[done] : undefined,
          passwordEnabled: deps.passwordHash !== undefined,
          demo: deps.demo,
        }),
      )
  }

  async function startSession(reply: FastifyReply): Promise<FastifyReply> {
    const session = await createDashboardSession(deps.ctx, {
      ttlMs: deps.sessionTtlMs,
      now: deps.sessionNow(),
    })
    return reply
      .setCookie(SESSION_COOKIE, session.token, {
        ...cookieBase,
        maxAge: Math.floor(deps.sessionTtlMs / 1000),
      })
      .clearCookie(SIGN_IN_CSRF_COOKIE, { path: DASHBOARD_PATH })
      .redirect(DASHBOARD_PATH, 303)
  }

  app.get('/sign-in', (request, reply) => {
    if (request.operator !== null) return reply.redirect(DASHBOARD_PATH, 303)
    return signInForm(request, reply, 200, undefined)
  })

  app.post<{ Body: { password?: string; _csrf?: string } }>(
    '/sign-in',
    {
      config: SIGN_IN_RATE_LIMIT,
      schema: {
        body: {
          type: 'object',
          properties: {
            password: { type: 'string', maxLength: 1024 },
            _csrf: { type: 'string', maxLength: 200 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const hash = deps.passwordHash
      const ok = hash !== undefined && (await verifyPassword(hash, request.body.password ?? ''))
      if (!ok) {
        request.log.info('dashboard sign-in refused')
        return signInForm(
          request,
          reply,
          401,
          hash === undefined
            ? 'Password sign-in is off: set IGTOKEN_ADMIN_PASSWORD and restart.'
            : 'That password is not right.',
        )
      }
      request.log.info('dashboard sign-in')
      return startSession(reply)
    },
  )

  app.get<{ Querystring: { token?: string } }>(
    // The path minted links name (the plugin's prefix is DASHBOARD_PATH).
    SIGN_IN_LINK_PATH.slice(DASHBOARD_PATH.length),
    {
      config: SIGN_IN_RATE_LIMIT,
      schema: {
        querystring: {
          type: 'object',
          properties: { token: { type: 'string', maxLength: 100 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      if (
        !(await useDashboardSignInLink({ ...deps.ctx, now: deps.sessionNow }, request.query.token))
      ) {
        return signInForm(
          request,
          reply,
          401,
          'This sign-in link is not valid, expired or was already used. Run npx igtoken dashboard-link for a new one.',
        )
      }
      return startSession(reply)
    },
  )

  app.post('/sign-out', async (request, reply) => {
    await deleteDashboardSession(deps.ctx, request.cookies[SESSION_COOKIE])
    return reply
      .clearCookie(SESSION_COOKIE, { path: DASHBOARD_PATH })
      .redirect(`${DASHBOARD_PATH}/sign-in?done=signed_out`, 303)
  })
}
