import type { FastifyReply, FastifyRequest } from 'fastify'
import type { DemoClock } from '../../app/demo-clock.js'
import type { BrokerContext } from '../../broker/context.js'
import type { FeedPublisher } from '../../broker/feeds.js'
import type { StartupMetaProbes } from '../../broker/startup-probes.js'
import type { TokenService } from '../../broker/token-service.js'
import type { DashboardSessionRow } from '../../broker/types.js'
import { renderPage } from '../views.js'
import type { PasswordHash } from './password.js'

/** Everything the dashboard's pages share. */
export interface DashboardDeps {
  readonly ctx: BrokerContext
  readonly tokens: TokenService
  readonly publisher: FeedPublisher
  readonly demo: boolean
  /** Unset: password sign-in is off. */
  readonly passwordHash: PasswordHash | undefined
  readonly sessionTtlMs: number
  /** Sessions run on the person's clock, not on the demo's travelling one. */
  readonly sessionNow: () => number
  /** Demo mode's shared clock: the "Time travel" page exists only with it. */
  readonly clock: DemoClock | undefined
  readonly secureCookies: boolean
  readonly defaultFeedItems: number
  /** Live mode: what the start-up Meta probes found (a banner on the accounts page). */
  readonly metaProbes: StartupMetaProbes | undefined
}

/** The session cookie (its value is a random secret; the database keeps only its SHA-256). */
export const SESSION_COOKIE = 'igtoken_session'
/** Holds the CSRF secret of the sign-in form, before any session exists. */
export const SIGN_IN_CSRF_COOKIE = 'igtoken_signin_csrf'
/** Every dashboard URL starts with this; cookies are scoped to it. */
export const DASHBOARD_PATH = '/dashboard'

/** The dashboard's sections, for the navigation. */
export type Section =
  'accounts' | 'feeds' | 'keys' | 'webhooks' | 'links' | 'deletions' | 'time-travel'

/** Short messages shown after a form succeeded (redirect with `?done=<name>`); never user input. */
export const NOTICES: Readonly<Record<string, string>> = {
  refreshed: 'The token was refreshed.',
  disconnected: 'The account was disconnected and its tokens deleted.',
  revoked: 'The API key was revoked. Apps using it are refused from now on.',
  published: 'The feed is published.',
  removed: 'Removed.',
  cancelled: 'The link was cancelled; it can no longer connect an account.',
  signed_out: 'You are signed out.',
  travelled: 'The clock moved forward; refreshes due on the way were made on their day.',
}

/**
 * Renders a dashboard page (signed in): the navigation with the sign-out form, a fresh CSRF token
 * for the page's forms, and `no-store` so account data stays out of shared caches.
 */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown> & { title: string; section: Section | null },
): FastifyReply {
  const csrf = reply.generateCsrf()
  const done = (request.query as Record<string, unknown> | undefined)?.['done']
  return reply
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      renderPage(template, {
        ...data,
        csrf,
        notice: typeof done === 'string' ? NOTICES[done] : undefined,
        nav: { section: data.section, csrf, timeTravel: request.timeTravel },
      }),
    )
}

/** The signed-in operator's session on a request (set by the dashboard's onRequest hook). */
export function operatorSession(request: FastifyRequest): DashboardSessionRow | null {
  return request.operator
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session, or null when not signed in. */
    operator: DashboardSessionRow | null
    /** What @fastify/csrf-protection reads its secret from (the database session, or a cookie). */
    session: { _csrf?: string | undefined }
    /** Whether the dashboard shows "Time travel" (demo mode's shared clock). */
    timeTravel: boolean
  }
}
