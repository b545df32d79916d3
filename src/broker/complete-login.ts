import { BrokerError } from '../meta/index.js'
import type { FlavorName, LongLivedToken, MetaClient } from '../meta/index.js'
import type { TokenKind } from '../store/index.js'
import { ServiceError } from './service-error.js'
import { USER_TOKEN_KIND } from './token-kinds.js'

/** A token a login won, as it is stored. */
export interface WonToken {
  readonly kind: TokenKind
  readonly accessToken: string
  /** Epoch ms; `null` for a token without expiry (a Page token). */
  readonly expiresAt: number | null
}

/**
 * One Instagram account a login connects: Instagram Login and Basic Display sign in one, Facebook
 * Login one per granted Page with an Instagram professional account (its Page token is its own).
 */
export interface LoginAccount {
  /** The id apps call the Graph API with (the Instagram professional account id when Meta names one). */
  readonly igUserId: string
  readonly username: string
  /** `BUSINESS`, `MEDIA_CREATOR` …, when Meta tells. */
  readonly accountType: string | null
  /** Facebook Login: the Page linking the account; `null` for the other flavors. */
  readonly pageId: string | null
  /** The tokens only this account uses (its Page token); the user token is shared. */
  readonly tokens: readonly WonToken[]
  /** True when `username` is a Page's name standing in for a missing Instagram username. */
  readonly usernameIsPageName?: boolean
}

/** Who signed in and the tokens it gave: what both connect entry points store. */
export interface CompletedLogin {
  readonly flavor: FlavorName
  /** The app-scoped id that Meta's deauthorize and data-deletion callbacks name. */
  readonly metaUserId: string
  /** The first account's `igUserId` (of {@link CompletedLogin.accounts}). */
  readonly igUserId: string
  /** The first account's `username`. */
  readonly username: string
  /** The first account's `accountType`. */
  readonly accountType: string | null
  /** Every account this login connects, in Meta's order; never empty. */
  readonly accounts: readonly LoginAccount[]
  /** The granted scopes, or the requested ones when Meta does not list them. */
  readonly scopes: readonly string[]
  /** Epoch ms when the long-lived token was issued (this machine's clock). */
  readonly issuedAt: number
  /** The long-lived user token (what `igtoken login` prints). */
  readonly userToken: WonToken & { readonly expiresAt: number; readonly expiresIn: number }
  /** The first account's tokens to store, the user token first. */
  readonly tokens: readonly WonToken[]
}

/** Who is behind a long-lived user token, read the way the flavor allows. */
interface Identity {
  readonly metaUserId: string
  /** At least one. */
  readonly accounts: readonly [LoginAccount, ...LoginAccount[]]
}

// Instagram's own rules: at most 30 letters, digits, periods and underscores.
const INSTAGRAM_USERNAME = /^[A-Za-z0-9._]{1,30}$/
// A Page name (Facebook Login without an Instagram username): printable, at most 100 characters.
const PAGE_NAME = /^[^\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]{1,100}$/u
// Meta's ids are decimal strings (app-scoped, Instagram and Page ids alike).
const META_ID = /^[0-9]{1,32}$/
const ACCOUNT_TYPE = /^[A-Z_]{1,32}$/

/**
 * Refuses an identity Meta (or something answering for it) sent that is not a real one — a
 * 100,000-character or control-character username, a non-numeric id — before anything is stored,
 * so a hostile profile is a clear refusal, never a half-written account or a 500. The values are
 * never echoed: they are not ours to print.
 * @throws {ServiceError} `profile_invalid`
 */
function checkIdentity(identity: Identity): Identity {
  const refuse = (field: string, rule: string): never => {
    throw new ServiceError(
      'profile_invalid',
      `Meta sent an account profile igtoken cannot store: its ${field} is not ${rule}; nothing was connected`,
      { reason: 'profile_invalid', hint: 'check the account on Instagram, then connect again' },
    )
  }
  if (!META_ID.test(identity.metaUserId)) refuse('user id', 'a numeric id')
  for (const account of identity.accounts) {
    if (!META_ID.test(account.igUserId)) refuse('Instagram id', 'a numeric id')
    if (account.pageId !== null && !META_ID.test(account.pageId)) refuse('Page id', 'a numeric id')
    if (account.usernameIsPageName === true) {
      if (!PAGE_NAME.test(account.username)) refuse('Page name', '1 to 100 printable characters')
    } else if (!INSTAGRAM_USERNAME.test(account.username)) {
      refuse('username', '1 to 30 letters, digits, periods or underscores')
    }
    if (account.accountType !== null && !ACCOUNT_TYPE.test(account.accountType)) {
      refuse('account type', 'an account type name')
    }
  }
  return identity
}

type IdentityReader = (
  meta: MetaClient,
  long: LongLivedToken,
  exchangeUserId: string | null,
) => Promise<Identity>

/** Instagram Login and Basic Display: the token's own profile names the account. */
const fromProfile: IdentityReader = async (meta, long, exchangeUserId) => {
  const profile = await meta.getProfile(long.accessToken)
  return {
    // The code exchange names the app-scoped id that Meta's callbacks use.
    metaUserId: exchangeUserId ?? profile.id,
    accounts: [
      {
        igUserId: profile.userId ?? profile.id,
        username: profile.username,
        accountType: profile.accountType ?? null,
        pageId: null,
        tokens: [],
      },
    ],
  }
}

/**
 * Facebook Login: every granted Page linked to an Instagram professional account is one account,
 * served with its own Page token (`listPages` follows Meta's paging, bounded). Two Pages linking
 * the same Instagram account make one account (the first Page's token).
 */
const fromLinkedPages: IdentityReader = async (meta, long) => {
  const pages = await meta.listPages(long.accessToken)
  const seen = new Set<string>()
  const accounts: LoginAccount[] = []
  for (const page of pages) {
    const linked = page.instagramBusinessAccount
    if (linked == null || seen.has(linked.id)) continue
    seen.add(linked.id)
    accounts.push({
      igUserId: linked.id,
      username: linked.username ?? page.name,
      usernameIsPageName: linked.username == null,
      accountType: null,
      pageId: page.id,
      tokens: [{ kind: 'facebook_page', accessToken: page.accessToken, expiresAt: null }],
    })
  }
  const [first, ...rest] = accounts
  if (first === undefined) {
    throw new BrokerError(
      'IGB_NO_INSTAGRAM_ACCOUNT',
      'none of the Facebook Pages you granted is linked to an Instagram professional account',
      { action: 'fix-request' },
    )
  }
  // The app-scoped Facebook user id, as Meta's deauthorize and data-deletion callbacks name it
  // (debug_token's user_id). Before, the first Instagram account's id stood here, which no
  // callback names and which changed when the first Page left the grant.
  const inspection = await meta.inspectToken(long.accessToken)
  if (inspection.userId === undefined) {
    throw new BrokerError('IGB_NO_INSTAGRAM_ACCOUNT', 'Meta did not name the Facebook user', {
      action: 'retry-later',
    })
  }
  return { metaUserId: inspection.userId, accounts: [first, ...rest] }
}

/** How each flavor finds the account behind its user token (a type error if a flavor is missing). */
const IDENTITY_READERS: Readonly<Record<FlavorName, IdentityReader>> = {
  'instagram-login': fromProfile,
  'basic-display': fromProfile,
  'facebook-login': fromLinkedPages,
}

/**
 * Turns an authorization code into signed-in accounts (one, or one per granted Page with an
 * Instagram account for Facebook Login): exchanges the code, upgrades to a
 * long-lived token and reads who is behind it, the way the client's flavor does it. The one
 * sign-in routine of the `/callback` route and `igtoken login`.
 *
 * @param requestedScopes - what the dialog asked for: the scopes stored when Meta lists none
 * @throws MetaApiError, BrokerError (`IGB_NO_INSTAGRAM_ACCOUNT` when no granted Page has an
 *   Instagram account); translate with `metaFailure(error, { step: 'sign-in' })`. ServiceError
 *   `profile_invalid` when the identity Meta sent cannot be stored (checked before any write)
 */
export async function completeLogin(
  meta: MetaClient,
  code: string,
  options: { readonly requestedScopes?: readonly string[]; readonly now: () => number },
): Promise<CompletedLogin> {
  const flavor = meta.flavor.name
  const short = await meta.exchangeCode(code)
  const long = await meta.exchangeForLongLivedToken(short.accessToken)
  const issuedAt = options.now()
  const identity = checkIdentity(await IDENTITY_READERS[flavor](meta, long, short.userId))
  const userToken = {
    kind: USER_TOKEN_KIND[flavor],
    accessToken: long.accessToken,
    expiresAt: long.expiresAt,
    expiresIn: long.expiresIn,
  }
  const requested = options.requestedScopes ?? []
  const [first] = identity.accounts
  return {
    flavor,
    metaUserId: identity.metaUserId,
    igUserId: first.igUserId,
    username: first.username,
    accountType: first.accountType,
    accounts: identity.accounts,
    scopes:
      short.permissions.length > 0
        ? short.permissions
        : requested.length > 0
          ? requested
          : meta.flavor.defaultScopes,
    issuedAt,
    userToken,
    tokens: [userToken, ...first.tokens],
  }
}
