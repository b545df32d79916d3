import type { EmulatorState } from './state.js'
import type { EmulatorApp, FacebookUser } from './types.js'

// Meta's Facebook Login dialog asks which Pages the app may use ("Choose the Pages"); the grant is
// per app and person and can be edited later in the person's Business Integrations settings. The
// emulator keeps that choice here: no entry means every Page the person manages.

function grantKey(app: EmulatorApp, userId: string): string {
  return `${app.metaAppId}:${userId}`
}

/** Whether the person granted the app this Page (every Page until a choice is made). */
export function isPageGranted(
  state: EmulatorState,
  app: EmulatorApp,
  userId: string,
  pageId: string,
): boolean {
  const granted = state.grantedPages.get(grantKey(app, userId))
  return granted === undefined || granted.has(pageId)
}

/** The person's Pages the app may see, in the person's order. */
export function grantedPagesOf(
  state: EmulatorState,
  app: EmulatorApp,
  user: FacebookUser,
): FacebookUser['pages'] {
  return user.pages.filter((p) => isPageGranted(state, app, user.id, p.id))
}

/**
 * Sets the Pages a person grants an app (`null`: all of them, the default). Page tokens of Pages
 * taken out of the grant stop working, as Meta's do once the app loses access to the Page.
 * @throws TypeError for an unknown person or a Page the person does not manage
 */
export function setGrantedPages(
  state: EmulatorState,
  app: EmulatorApp,
  userId: string,
  pageIds: readonly string[] | null,
): string[] {
  const user = state.fbUser(userId)
  if (!user) throw new TypeError(`no Facebook user with id "${userId}"`)
  const managed = new Set(user.pages.map((p) => p.id))
  const unknown = (pageIds ?? []).filter((id) => !managed.has(id))
  if (unknown.length > 0) {
    throw new TypeError(`user "${userId}" manages no Page "${unknown.join('", "')}"`)
  }
  const key = grantKey(app, userId)
  if (pageIds === null) state.grantedPages.delete(key)
  else state.grantedPages.set(key, new Set(pageIds))
  for (const page of user.pages) {
    if (!isPageGranted(state, app, userId, page.id)) revokePageTokens(state, userId, page.id, app)
  }
  return grantedPagesOf(state, app, user).map((p) => p.id)
}

/**
 * Invalidates every Page token of one Page (subcode 467: "revoked or otherwise invalid"), for one
 * app or all; the person's user token and their other Pages' tokens keep working.
 * @returns how many tokens stopped working
 */
export function revokePageTokens(
  state: EmulatorState,
  userId: string,
  pageId: string,
  app?: EmulatorApp,
): number {
  let count = 0
  for (const rec of state.tokens.values()) {
    if (rec.kind !== 'fb-page' || rec.userId !== userId || rec.pageId !== pageId) continue
    if (app !== undefined && rec.app !== app) continue
    if (rec.invalid === undefined) count++
    rec.invalid ??= 467
  }
  return count
}
