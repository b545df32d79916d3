import { consumeSignInLink, createSignInLink } from '../store/index.js'
import type { BrokerContext } from './context.js'

/** The dashboard path a sign-in link opens (the route lives in server/dashboard/pages/auth.ts). */
export const SIGN_IN_LINK_PATH = '/dashboard/sign-in/link'

/**
 * How long a link minted by `igtoken dashboard-link` works: long enough to paste it into a
 * browser, short enough that one found later in a terminal's scrollback is dead.
 */
const SIGN_IN_LINK_TTL_MS = 15 * 60_000

/** A one-time dashboard sign-in link: the address (with its secret) and when it stops working. */
export interface DashboardSignInLink {
  readonly url: string
  readonly expiresAt: number
}

/**
 * Mints a one-time sign-in link into the dashboard. Stored (hashed) in the database, so any
 * `serve` process over the same database accepts it, including one started before it was minted.
 */
export async function mintDashboardSignInLink(
  ctx: Pick<BrokerContext, 'store' | 'publicUrl' | 'now'>,
  options: { readonly ttlMs?: number } = {},
): Promise<DashboardSignInLink> {
  const { token, expiresAt } = await createSignInLink(ctx.store, {
    ttlMs: options.ttlMs ?? SIGN_IN_LINK_TTL_MS,
    now: ctx.now(),
  })
  return { url: `${ctx.publicUrl}${SIGN_IN_LINK_PATH}?token=${token}`, expiresAt }
}

/**
 * Uses a presented link up.
 * @returns true the first time an unexpired link is presented; false for anything else
 */
export function useDashboardSignInLink(
  ctx: Pick<BrokerContext, 'store' | 'now'>,
  presented: string | undefined,
): Promise<boolean> {
  return consumeSignInLink(ctx.store, presented, ctx.now())
}
