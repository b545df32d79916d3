import type { FastifyInstance } from 'fastify'
import { completeConnect, startConnect } from '../../broker/connect.js'
import type { BrokerContext } from '../../broker/context.js'
import { metaFailure } from '../../broker/meta-failure.js'
import { returnToUrl } from '../../broker/return-to.js'
import type { Metrics } from '../plugins/metrics.js'
import { COMMON_QUERY } from '../plugins/strict-query.js'
import { sendFailure, wantsJson } from '../respond.js'
import { renderPage } from '../views.js'

/** The cookie that ties a connect attempt to the browser that started it. */
export const CONNECT_COOKIE = 'igtoken_connect'

/** `GET /connect` starts the browser flow; `GET /callback` is where Meta sends the person back. */
export function connectRoutes(
  app: FastifyInstance,
  deps: { ctx: BrokerContext; metrics: Metrics; callbackPath: string; secureCookies: boolean },
): void {
  const { ctx, metrics } = deps
  const rateLimit = { config: { rateLimit: {} } }

  app.get<{ Querystring: { return_to?: string; scopes?: string; label?: string } }>(
    '/connect',
    {
      ...rateLimit,
      schema: {
        querystring: {
          type: 'object',
          properties: {
            return_to: { type: 'string', maxLength: 2000 },
            scopes: { type: 'string', maxLength: 2000 },
            label: { type: 'string', maxLength: 200 },
            ...COMMON_QUERY,
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      try {
        const query = request.query
        const started = await startConnect(ctx, {
          returnTo: single(query.return_to),
          scopes: single(query.scopes)
            ?.split(/[\s,]+/)
            .filter(Boolean),
          label: single(query.label),
        })
        void reply.setCookie(CONNECT_COOKIE, started.browserBinding, {
          httpOnly: true,
          sameSite: 'lax',
          secure: deps.secureCookies,
          path: '/',
          maxAge: Math.floor(ctx.connectStateTtlMs / 1000),
        })
        return await reply.redirect(started.authorizationUrl, 302)
      } catch (error) {
        return sendFailure(request, reply, metaFailure(error), {
          title: 'Could not start the sign-in',
        })
      }
    },
  )

  app.get(
    deps.callbackPath,
    { ...rateLimit, schema: { querystring: CALLBACK_QUERY } },
    async (request, reply) => {
      // Read the raw query so repeated parameters stay visible (a repeated state is refused).
      const q = request.url.indexOf('?')
      const query = new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1))
      const binding = request.cookies[CONNECT_COOKIE]
      try {
        const connected = await completeConnect(ctx, query, binding)
        metrics.connects.inc({ outcome: connected.created ? 'connected' : 'reconnected' })
        void reply.clearCookie(CONNECT_COOKIE, { path: '/' })
        // An absolute URL on IGTOKEN_PUBLIC_URL: a bare path could be read as protocol-relative.
        if (connected.returnTo !== null) {
          return await reply.redirect(returnToUrl(connected.returnTo, ctx.publicUrl), 303)
        }
        if (wantsJson(request)) {
          return await reply.send({
            account: {
              id: connected.account.id,
              username: connected.account.username,
              flavor: connected.account.flavor,
              status: connected.account.status,
            },
            created: connected.created,
          })
        }
        const expires = connected.expiresAt === null ? null : new Date(connected.expiresAt)
        return await reply.type('text/html; charset=utf-8').send(
          renderPage('./connected', {
            account: connected.account,
            expiresIso: expires?.toISOString() ?? '',
            expiresText: expires === null ? 'never' : expires.toUTCString(),
          }),
        )
      } catch (error) {
        const failure = metaFailure(error)
        metrics.connects.inc({ outcome: failure.code })
        if (failure.code === 'internal') request.log.error({ err: failure.cause }, 'connect failed')
        else request.log.info({ code: failure.code }, 'connect failed')
        return sendFailure(request, reply, failure, { title: 'The account was not connected' })
      }
    },
  )
}

/**
 * What Meta sends back (success or the person's refusal). No type on purpose: a repeated `state`
 * must reach the domain check, which refuses it with its own error code.
 */
const CALLBACK_QUERY = {
  type: 'object',
  properties: Object.fromEntries(
    ['code', 'state', 'error', 'error_reason', 'error_description', 'error_code', 'error_message']
      .map((name) => [name, {}] as const)
      .concat(Object.entries(COMMON_QUERY)),
  ),
  additionalProperties: false,
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
