import type { ErrorAction } from './errors.js'

/**
 * Meta's message texts, read only where one code has several meanings (1, 100, 101, 190 without
 * subcode, 200, 2500) or where the answer has no usable code (the Instagram OAuth dialect, whose
 * `code` repeats the HTTP status, and old Facebook bodies without `code`). This is the one place
 * in igtoken that looks at Meta's wording: everything else goes by code, subcode and type.
 *
 * Messages are localised by Meta for some apps, so a text that matches nothing must fall back to
 * what the code alone says (see `classifyMetaError`).
 */
export interface MessageRule {
  /** Graph codes the text belongs to; `null` stands for "no Graph code" (see above). */
  readonly codes: readonly (number | null)[]
  /** Matched case-insensitively against `message`. */
  readonly text: RegExp
  /** `reauthorize-if-token-sent`: a token was sent and refused, else the request forgot it. */
  readonly action: ErrorAction | 'reauthorize-if-token-sent'
  readonly hint: (sentToken: SentToken) => string | null
  /** What the text means when the login dialog says it before anyone signed in. */
  readonly dialog?: DialogRefusal
}

/**
 * Refusals of the login dialog itself (before anyone signs in), each with one fix: a wrong app id
 * for the flavor, an unregistered redirect URI, a refused scope, an account without a role on an
 * app in development mode.
 */
export type DialogRefusal =
  'invalid_platform_app' | 'redirect_uri_not_registered' | 'scope_refused' | 'no_developer_role'

/** Which token the failed call carried, as far as the hint and the 2500 rule care. */
export type SentToken = 'none' | 'basic-display' | 'other'

const WRONG_SECRET =
  'Meta refused the app secret. Instagram Login calls (api.instagram.com, graph.instagram.com) ' +
  'take the Instagram app secret (App Dashboard > Instagram > API setup with Instagram login > ' +
  'Business login settings); Facebook Login calls (graph.facebook.com) take the Meta app secret ' +
  '(App settings > Basic). Check that the secret belongs to the app id you send and was not reset'

const WRONG_APP_ID =
  'Meta does not know this app id on this host: Instagram Login uses the Instagram app id, ' +
  'graph.facebook.com (Facebook Login, fb_exchange_token, debug_token) uses the Meta app id shown ' +
  'at the top of the App Dashboard'

const APP_UNAVAILABLE =
  "Meta could not load the app, which is not about the person's token: either the app id is " +
  'wrong for this host (an Instagram app id on graph.facebook.com gets this whatever the secret), ' +
  "or Meta blocked, restricted or deleted the app (see the App Dashboard's alerts). Logging in " +
  'again will not help'

const INVALID_PLATFORM_APP =
  'Instagram Login uses the Instagram app id and Instagram app secret (App Dashboard > Instagram > ' +
  'API setup with Instagram login > Business login settings), which differ from the Meta app id ' +
  'and secret shown at the top of the dashboard'

const UNSUPPORTED_REQUEST =
  "graph.instagram.com answers 'Unsupported request' to every call when the Instagram account has " +
  'no role on an app in development mode (add it as an Instagram tester and accept the invite in ' +
  'Instagram under Apps and websites > Tester invites, or switch the app to Live), and when Meta ' +
  "restricted the app (see the App Dashboard's alerts)"

const NO_DEVELOPER_ROLE =
  'The app is in development mode and this Instagram account has no role on it: add it as an ' +
  'Instagram tester and accept the invite (Apps and websites > Tester invites), or switch the ' +
  'app to Live'

const BASIC_DISPLAY_SHUT_DOWN =
  'This is a Basic Display token (IGQ…): Meta shut the Basic Display API down on 2024-12-04 and ' +
  'answers every call this way; log the person in again with Instagram Login. Otherwise: '

const PAGE_TOKEN_REQUIRED =
  'This call needs a Page access token (from /me/accounts), not a user access token'

/** Hint of a lost Page role (subcode 492 and its message-only form). */
export const PAGE_ROLE_LOST_HINT =
  'The person who made this Page token is no longer an admin of the Page (or lost the task the ' +
  'call needs): a Page admin must give the role back, then fetch a new Page token'

const API_BLOCKED =
  "Meta blocked the app's API access: every call, refresh included, fails until Meta lifts the " +
  "restriction; see the App Dashboard's alerts. The person's token is not the problem"

const API_DEACTIVATED = 'The app is deactivated: reactivate it in the App Dashboard'

/** Hint of a call that reached Meta without a token. */
export const NO_TOKEN_HINT = 'No access token reached Meta: send it as the access_token parameter'

const SCOPE_SPELLING =
  'A scope is misspelled or mixes kinds: instagram_business_content_publishing is spelled ' +
  'instagram_business_content_publish'

const fixed =
  (text: string) =>
  (_sent: SentToken): string =>
    text
const none = (_sent: SentToken): null => null

/** Checked top to bottom; the first rule whose code and text match decides. */
export const MESSAGE_RULES: readonly MessageRule[] = [
  // Code 1 is "unknown, retry" except for this exact refusal, which a retry never fixes.
  {
    codes: [1, null],
    text: /error validating client secret|invalid client_secret/i,
    action: 'fix-request',
    hint: fixed(WRONG_SECRET),
  },
  {
    codes: [101],
    text: /invalid application id/i,
    action: 'fix-request',
    hint: fixed(WRONG_APP_ID),
  },
  {
    codes: [101, 190, null],
    text: /cannot get application info|application has been deleted/i,
    action: 'fix-request',
    hint: fixed(APP_UNAVAILABLE),
  },
  {
    codes: [190],
    text: /must be called with a page access token/i,
    action: 'fix-request',
    hint: fixed(PAGE_TOKEN_REQUIRED),
  },
  {
    codes: [190],
    text: /must be an administrator of the page/i,
    action: 'permission',
    hint: fixed(PAGE_ROLE_LOST_HINT),
  },
  // graph.instagram.com's answer to a missing tester role, a restricted app and a Basic Display
  // token alike; on api.instagram.com the same words mean only "wrong HTTP method".
  {
    codes: [100],
    text: /^unsupported request - method type/i,
    action: 'permission',
    hint: (sent) =>
      sent === 'basic-display'
        ? BASIC_DISPLAY_SHUT_DOWN + UNSUPPORTED_REQUEST
        : UNSUPPORTED_REQUEST,
  },
  { codes: [200], text: /api access blocked/i, action: 'permission', hint: fixed(API_BLOCKED) },
  {
    codes: [200],
    text: /api access deactivated/i,
    action: 'permission',
    hint: fixed(API_DEACTIVATED),
  },
  {
    codes: [2500],
    text: /an active access token must be used/i,
    action: 'reauthorize-if-token-sent',
    hint: (sent) => (sent === 'none' ? NO_TOKEN_HINT : null),
  },
  { codes: [2500], text: /unknown path components/i, action: 'fix-request', hint: none },
  // No usable code: the Instagram OAuth dialect, the dialog's JSON, old Facebook bodies.
  {
    codes: [null],
    text: /invalid platform app/i,
    action: 'fix-request',
    hint: fixed(INVALID_PLATFORM_APP),
    dialog: 'invalid_platform_app',
  },
  {
    codes: [null],
    text: /mutually exclusive|invalid scope/i,
    action: 'fix-request',
    hint: fixed(SCOPE_SPELLING),
    dialog: 'scope_refused',
  },
  {
    codes: [null],
    text: /insufficient developer role/i,
    action: 'permission',
    hint: fixed(NO_DEVELOPER_ROLE),
    dialog: 'no_developer_role',
  },
  // The dialog's own word for an unregistered redirect URI; the broader rule below also covers
  // the exchange's redirect mismatches, which are no dialog refusal.
  {
    codes: [null],
    text: /^invalid redirect_uri/i,
    action: 'fix-request',
    hint: none,
    dialog: 'redirect_uri_not_registered',
  },
  {
    codes: [null],
    text: /redirect_uri|redirect uri|matching code|authorization code|verification code|code was invalid|missing required field|you must (provide|include)/i,
    action: 'fix-request',
    hint: none,
  },
  {
    codes: [null],
    text: /error validating access token|session has expired|invalid oauth/i,
    action: 'reauthorize',
    hint: none,
  },
]

/** The first rule matching a code (or `null`) and a message, if any. */
export function matchMessage(code: number | null, message: string): MessageRule | undefined {
  return MESSAGE_RULES.find((rule) => rule.codes.includes(code) && rule.text.test(message))
}
