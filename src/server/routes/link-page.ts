import type { FastifyInstance, FastifyReply } from 'fastify'
import { openConnectLink, startLinkConnect } from '../../broker/connect-links/index.js'
import type { BrokerContext } from '../../broker/context.js'
import { metaFailure } from '../../broker/meta-failure.js'
import { sendFailure } from '../respond.js'
import { renderPage } from '../views.js'
import { setConnectCookie } from './connect.js'

const secretParams = {
  type: 'object',
  properties: { secret: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['secret'],
  additionalProperties: false,
} as const

/** What each scope shares, in words a client understands. Unknown scopes show their name. */
const SCOPE_WORDS: Readonly<Record<string, string>> = {
  instagram_business_basic: 'your profile (username, picture) and your posts',
  instagram_business_content_publish: 'publishing posts on your behalf',
  instagram_business_manage_messages: 'reading and answering your direct messages',
  instagram_business_manage_comments: 'reading and answering comments on your posts',
  instagram_business_manage_insights: 'the statistics of your account and posts',
  user_profile: 'your profile (username)',
  user_media: 'your posts',
  instagram_basic: 'your profile and your posts',
  pages_show_list: 'the list of Facebook Pages you manage',
  pages_read_engagement: 'what people do on your Facebook Page',
  business_management: 'your business settings',
  instagram_content_publish: 'publishing posts on your behalf',
  instagram_manage_comments: 'reading and answering comments on your posts',
  instagram_manage_insights: 'the statistics of your account and posts',
  instagram_manage_messages: 'reading and answering your direct messages',
}

/**
 * A connect link's own page, `/link/<secret>`: says who asks and what will be shared, and starts
 * Meta's login with a plain form (no JavaScript). The secret is never written into the page (the
 * form posts back to the address it came from) nor into a log line (see `redact.ts`).
 */
export function linkPageRoutes(
  app: FastifyInstance,
  deps: { ctx: BrokerContext; appName: string; callbackPath: string; secureCookies: boolean },
): void {
  const { ctx } = deps
  const options = { config: { rateLimit: {} }, schema: { params: secretParams } }

  // The page's form posts here and is redirected on to Meta's dialog: the CSP must allow that.
  const dialogOrigin = new URL(ctx.meta.buildAuthorizationUrl({ state: 'csp-probe' })).origin
  const csp = `default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; form-action 'self' ${dialogOrigin}; frame-ancestors 'none'`

  app.get<{ Params: { secret: string } }>('/link/:secret', options, async (request, reply) => {
    privatePage(reply)
    void reply.header('content-security-policy', csp)
    try {
      const link = await openConnectLink(ctx, request.params.secret)
      const scopes =
        link.scopes.length > 0 ? link.scopes : (ctx.scopes ?? ctx.meta.flavor.defaultScopes)
      return await reply.type('text/html; charset=utf-8').send(
        renderPage('./link', {
          brand: deps.appName,
          label: link.label,
          shares: scopes.map((scope) => SCOPE_WORDS[scope] ?? scope),
          expiresIso: link.expires_at,
          expiresText: new Date(link.expires_at).toUTCString(),
        }),
      )
    } catch (error) {
      return failure(request, reply, error, deps.appName)
    }
  })

  app.post<{ Params: { secret: string } }>('/link/:secret', options, async (request, reply) => {
    privatePage(reply)
    try {
      const started = await startLinkConnect(ctx, request.params.secret)
      setConnectCookie(reply, started, { ...deps, ttlMs: ctx.connectStateTtlMs })
      return await reply.redirect(started.authorizationUrl, 303)
    } catch (error) {
      return failure(request, reply, error, deps.appName)
    }
  })
}

/** The page's address holds a secret: never sent on as a Referer, never cached or indexed. */
function privatePage(reply: FastifyReply): void {
  void reply
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
}

function failure(
  request: Parameters<typeof sendFailure>[0],
  reply: FastifyReply,
  error: unknown,
  brand: string,
): FastifyReply {
  const translated = metaFailure(error)
  if (translated.code === 'internal') request.log.error({ err: translated.cause }, 'link failed')
  return sendFailure(request, reply, translated, {
    title: translated.code === 'not_found' ? 'Unknown link' : 'This link cannot be used',
    linkHref: '',
    brand,
  })
}
