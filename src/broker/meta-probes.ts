import { randomBytes } from 'node:crypto'
import { getFlavor } from '../meta/index.js'
import type { DialogAnswer, DialogRefusal, FlavorName, MetaClient } from '../meta/index.js'
import { checkMeta } from './doctor-checks.js'
import type { CheckResult } from './doctor-checks.js'
import { probeAuthorizationDialog } from './login-session.js'

/**
 * What to do about a refusal of the login dialog, worded once for `igtoken login`, `init`,
 * `doctor` and the service's start-up probes.
 */
export function dialogProblemFix(
  code: DialogRefusal,
  redirectUri: string,
  flavor: FlavorName,
  hint: string | null = null,
): string {
  const facts = getFlavor(flavor)
  if (code === 'no_developer_role') {
    return (
      hint ??
      `while the app is unpublished, only people with a role on it can sign in: add them under App roles`
    )
  }
  if (code === 'redirect_uri_not_registered') {
    return `register exactly ${redirectUri} in ${facts.redirectUrisPath} (no trailing slash unless the URI has one), or set IGTOKEN_REDIRECT_URI to the registered one`
  }
  if (code === 'invalid_platform_app') {
    return facts.appCredentials === 'meta-app'
      ? `use the app id shown in ${facts.appCredentialsPath}`
      : `use the Instagram app id and secret (${facts.appCredentialsPath}), not the Meta app id at the top of the dashboard`
  }
  return `ask only for scopes of this flavor, e.g. ${facts.defaultScopes.join(',')}`
}

/**
 * Opens Meta's login dialog for this app as a browser would (no cookies, a throwaway `state`),
 * so a wrong app id or an unregistered redirect URI shows before a person is sent there.
 * `redirectUri` is the one `meta` was built with (named in the result).
 */
export async function checkLoginDialog(
  meta: MetaClient,
  redirectUri: string,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } = {},
): Promise<CheckResult> {
  const id = 'login_dialog'
  const title = "Meta's login dialog accepts the app id and redirect URI"
  const url = meta.buildAuthorizationUrl({ state: randomBytes(16).toString('base64url') })
  const answer = await probeAuthorizationDialog(url, options)
  if (answer.kind === 'unknown') {
    // Not a pass: a timeout, a network error or an answer in no form we read (Facebook Login's
    // dialog refuses with an HTML page) says nothing about the app id and redirect URI.
    return {
      id,
      title,
      status: 'warn',
      detail:
        answer.status === 0
          ? 'the dialog could not be reached (network error or timeout)'
          : `the dialog answered HTTP ${String(answer.status)} in a form igtoken does not read`,
      fix: "open the authorization URL in a browser and read Meta's message there",
    }
  }
  const refused = dialogRefusal(answer)
  if (refused === null) {
    return {
      id,
      title,
      status: 'pass',
      detail: `the dialog did not refuse ${redirectUri}`,
      fix: null,
    }
  }
  return {
    id,
    title,
    status: 'fail',
    detail:
      refused.refusal === 'redirect_uri_not_registered'
        ? `${refused.said}: ${redirectUri} is not registered for this app`
        : refused.said,
    fix:
      refused.refusal === null
        ? refused.hint
        : dialogProblemFix(refused.refusal, redirectUri, meta.flavor.name, refused.hint),
  }
}

/** A refusal worth stopping for, in words; null when the dialog accepted (or was not read). */
function dialogRefusal(
  answer: DialogAnswer,
): { said: string; refusal: DialogRefusal | null; hint: string | null } | null {
  if (answer.kind === 'ok' || answer.kind === 'unknown') return null
  if (answer.kind === 'json-error') {
    // Meta only asked to come back later, or said nothing we can read: not a refusal.
    if (
      answer.refusal === null &&
      ['retry-later', 'unknown'].includes(answer.classification.action)
    ) {
      return null
    }
    return {
      said: `Meta's login dialog answered: ${answer.fields.message || 'an error without a message'}`,
      refusal: answer.refusal,
      hint: answer.classification.hint,
    }
  }
  return {
    said: `Meta's login dialog answered error=${answer.error}${answer.description === null ? '' : ` (${answer.description})`}`,
    refusal: answer.refusal,
    hint: null,
  }
}

/**
 * Every question igtoken can ask Meta about an app without a person signing in: does Meta answer,
 * is the id/secret pair right, is the clock right ({@link checkMeta}), and does the login dialog
 * accept the app id and redirect URI ({@link checkLoginDialog}). Used by `igtoken init`,
 * `igtoken doctor` and the service's start-up probes, so all three say the same.
 */
export async function probeMetaApp(
  meta: MetaClient,
  redirectUri: string,
  now: () => number,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } = {},
): Promise<CheckResult[]> {
  const [exchange, dialog] = await Promise.all([
    checkMeta(meta, now),
    checkLoginDialog(meta, redirectUri, options),
  ])
  // The dialog can only be judged when Meta answers at all.
  const answered = exchange.find((c) => c.id === 'meta_answers')?.status === 'pass'
  return answered
    ? [...exchange, dialog]
    : [...exchange, { ...dialog, status: 'skip', detail: 'Meta did not answer', fix: null }]
}
