import type { FastifyInstance, FastifyReply } from 'fastify'
import { createHash } from 'node:crypto'
import { completeConnect, startConnect } from '../../broker/connect.js'
import type { StartedConnect } from '../../broker/connect.js'
import type { BrokerContext } from '../../broker/context.js'
import { metaFailure } from '../../broker/meta-failure.js'
import { returnToUrl } from '../../broker/return-to.js'
import { getFlavor } from '../../meta/index.js'
import type { Metrics } from '../plugins/metrics.js'
import { COMMON_QUERY } from '../plugins/strict-query.js'
import { sendFailure, wantsJson } from '../respond.js'
import { renderPage } from '../views.js'

/** The prefix of the cookies that tie a connect attempt to the browser that started it. */
export const CONNECT_COOKIE = 'igtoken_connect'

/**
 * The browser-binding cookie's name for one attempt: the prefix and a digest of its `state`, so a
 * second `/connect` in the same browser (another tab) sets its own cookie instead of overwriting
 * the first one's. The digest is domain-separated from the stored SHA-256 of `state`.
 */
export function connectCookieName(state: string): string {
  const digest = createHash('sha256').update(`connect-cookie:${state}`).digest('hex')
  return `${CONNECT_COOKIE}_${digest.slice(0, 16)}`
}

/**
 * Sets the browser-binding cookie of a started connect: HttpOnly, sent only to the callback.
 * The connect link's page starts its logins with it too.
 */
export function setConnectCookie(
  reply: FastifyReply,
  started: StartedConnect,
  options: { callbackPath: string; secureCookies: boolean; ttlMs: number },
): void {
  const state = new URL(started.authorizationUrl).searchParams.get('state') ?? ''
  void reply.setCookie(connectCookieName(state), started.browserBinding, {
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secureCookies,
    // Sent only to the callback, not with every request to the site.
    path: options.callbackPath,
    maxAge: Math.floor(options.ttlMs / 1000),
  })
}

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
        setConnectCookie(reply, started, { ...deps, ttlMs: ctx.connectStateTtlMs })
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
      // A repeated or missing state finds no cookie; completeConnect refuses it with its own code.
      const states = query.getAll('state')
      const cookieName = states.length === 1 ? connectCookieName(states[0] ?? '') : undefined
      const binding =
        (cookieName === undefined ? undefined : request.cookies[cookieName]) ??
        otherAttemptsCookie(request.cookies)
      try {
        const connected = await completeConnect(ctx, query, binding)
        metrics.connects.inc({ outcome: connected.created ? 'connected' : 'reconnected' })
        if (cookieName !== undefined)
          void reply.clearCookie(cookieName, { path: deps.callbackPath })
        // An absolute URL on IGTOKEN_PUBLIC_URL: a bare path could be read as protocol-relative.
        if (connected.returnTo !== null) {
          return await reply.redirect(
            returnToUrl(connected.returnTo, ctx.publicUrl, ctx.returnOrigins),
            303,
          )
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
            // Every account of the login (Facebook Login: one per granted Page with Instagram).
            accounts: connected.accounts.map((a) => ({
              id: a.account.id,
              username: a.account.username,
              ig_user_id: a.account.ig_user_id,
              status: a.account.status,
              created: a.created,
            })),
            ungranted: connected.ungranted.map((a) => ({ id: a.id, username: a.username })),
          })
        }
        const expires = connected.expiresAt === null ? null : new Date(connected.expiresAt)
        return await reply.type('text/html; charset=utf-8').send(
          renderPage('./connected', {
            account: connected.account,
            accounts: connected.accounts.map((a) => a.account),
            ungranted: connected.ungranted,
            // The flavor in words ("Instagram API with Instagram Login"), not its id.
            flavorTitle: getFlavor(ctx.flavor).title,
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

/**
 * Without this attempt's cookie, another attempt's (if any) is checked instead: it cannot match,
 * and the refusal then says `browser_mismatch` (a browser that started another sign-in) rather
 * than `cookie_missing` (cookies blocked).
 */
function otherAttemptsCookie(cookies: Record<string, string | undefined>): string | undefined {
  const prefix = `${CONNECT_COOKIE}_`
  for (const [name, value] of Object.entries(cookies)) if (name.startsWith(prefix)) return value
  return undefined
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
