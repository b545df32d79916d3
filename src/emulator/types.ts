/** The three ways Meta hands out Instagram tokens. */
export type FlavorName = 'instagram-login' | 'facebook-login' | 'basic-display'

/** Every flavor, in the order the emulator lists them. */
export const ALL_FLAVORS: readonly FlavorName[] = [
  'instagram-login',
  'facebook-login',
  'basic-display',
]

/**
 * A Meta app as registered in the App Dashboard: the Meta pair (Facebook Login, Graph API) and the
 * separate Instagram pair (Instagram Login, Basic Display).
 */
export interface EmulatorApp {
  name: string
  metaAppId: string
  metaAppSecret: string
  instagramAppId: string
  instagramAppSecret: string
  /** Matched by exact string comparison, as Meta's Strict Mode does. */
  redirectUris: string[]
  deauthorizeUrl?: string
  dataDeletionUrl?: string
  /** "Require App Secret": Graph reads without a valid `appsecret_proof` fail. */
  requireAppSecretProof?: boolean
  /** Default: all three. */
  flavors?: FlavorName[]
  /** Default true; when false, `http:` redirect URIs are refused even if registered. */
  allowHttpRedirects?: boolean
  /**
   * `live` (default here, so existing setups keep working) or `development`, where only people
   * with a role (see `roles`) can use the app. New apps at Meta start in development mode.
   */
  mode?: AppMode
  /** People with a role on the app: developers, admins, Instagram testers. */
  roles?: AppRole[]
  /**
   * `active` (default), `blocked` (Meta restricted the app: every call answers code 200
   * `API access blocked.`) or `deactivated` (every call answers `API access deactivated…` under
   * HTTP 200).
   */
  access?: AppAccess
}

/** Whether an app is in development mode or live. */
export type AppMode = 'live' | 'development'

/** Whether Meta lets the app call its APIs at all. */
export type AppAccess = 'active' | 'blocked' | 'deactivated'

/** A role on an app. `userId` is a Facebook user id or an Instagram account id. */
export interface AppRole {
  userId: string
  role: 'admin' | 'developer' | 'tester'
  /** An Instagram tester counts only once the invite is accepted (default true). */
  accepted?: boolean
}

/** Instagram account types, as `account_type` reports them. */
export type InstagramAccountType = 'BUSINESS' | 'MEDIA_CREATOR' | 'PERSONAL'

/** Kinds of generated media. */
export type MediaType = 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM'

/** One Instagram media object (carousel children are media too). */
export interface EmulatorMedia {
  id: string
  ownerId: string
  mediaType: MediaType
  caption?: string
  mediaUrl: string
  permalink: string
  thumbnailUrl?: string
  /** ISO 8601 with `+0000`, as Meta writes it. */
  timestamp: string
  likeCount: number
  commentsCount: number
  children?: string[]
}

/** An Instagram account (professional or personal). */
export interface InstagramUserInput {
  kind: 'instagram'
  /** The professional (Instagram) user id; generated when absent. */
  id?: string
  username: string
  name?: string
  accountType: InstagramAccountType
  biography?: string
  website?: string
  profilePictureUrl?: string
  followersCount?: number
  followsCount?: number
  /** How many media to generate (default 12). */
  mediaCount?: number
}

/** A Facebook user with the Pages they manage, each optionally linked to an Instagram account. */
export interface FacebookUserInput {
  kind: 'facebook'
  id?: string
  name: string
  pages?: { id?: string; name: string; instagramUserId?: string }[]
}

/** What `addUser` and the config file's `users` accept. */
export type EmulatorUserInput = InstagramUserInput | FacebookUserInput

/** A stored Instagram account. */
export interface InstagramUser {
  kind: 'instagram'
  id: string
  username: string
  name: string
  accountType: InstagramAccountType
  biography: string
  website: string
  profilePictureUrl: string
  followersCount: number
  followsCount: number
  media: EmulatorMedia[]
}

/** A stored Facebook user. */
export interface FacebookUser {
  kind: 'facebook'
  id: string
  name: string
  pages: { id: string; name: string; instagramUserId?: string }[]
}

/** A stored user of either kind. */
export type EmulatorUser = InstagramUser | FacebookUser

/** Throttling thresholds; counters reset every `windowMs` (a fixed window, not a rolling one). */
export interface LimitsConfig {
  windowMs?: number
  /** Calls per window per app before code 4. */
  appCalls?: number
  /** Calls per window per app-user pair before code 17 (80002 for Instagram Login, 32 for Page tokens). */
  userCalls?: number
}

/** Which requests a fault rule hits. All given criteria must match. */
export interface FaultMatch {
  /** Meta host, e.g. `graph.instagram.com`. */
  host?: string
  /** Path on that host (without the host prefix): exact, or a glob with `*`. */
  path?: string
  /** Endpoint name as in the request log, e.g. `ig.refresh_access_token`. */
  endpoint?: string
}

/** One fault rule. Shares are numbers between 0 and 1. */
export interface FaultRule {
  match: FaultMatch
  latencyMs?: number
  /** Share of replies that are a 5xx with Meta's transient error body. */
  errorRate?: number
  /** Status for those replies (default 500). */
  errorStatus?: number
  /** Share of requests held without an answer until the client gives up or `holdMaxMs`. */
  timeoutRate?: number
  holdMaxMs?: number
  /** Share of replies that are an HTML error page (502). */
  htmlRate?: number
  /** Share of replies whose JSON body is cut in half. */
  malformedRate?: number
}

/** The fault set; `seed` makes the random draws repeatable. */
export interface FaultsConfig {
  seed?: number
  rules: FaultRule[]
}

/** Behaviour switches, lifetimes and the places where Meta's behaviour is unconfirmed. */
export interface EmulatorConfig {
  /** Graph version used in `paging.next` links (default `v25.0`). */
  graphVersion?: string
  /** Short-lived token lifetime, seconds (default 3600). */
  shortLivedTokenSec?: number
  /** Long-lived token `expires_in`, seconds (default 5183944). */
  longLivedTokenSec?: number
  /** Authorization code lifetime, seconds (default 3600). */
  codeLifetimeSec?: number
  /** Minimum token age before a refresh is accepted, seconds (default 86400). */
  refreshMinAgeSec?: number
  /**
   * Instagram Login's code exchange: `flat` (default, what live Meta sends:
   * `{"access_token","user_id":<number>,"permissions":[…]}`) or `wrapped` (the documented
   * `{"data":[{…,"user_id":"…","permissions":"a,b"}]}`).
   */
  instagramExchangeShape?: 'wrapped' | 'flat'
  /**
   * `shut-down` (default, as Meta since 2024-12-04: every Basic Display call answers
   * `Unsupported request - method type: …` and its dialog refuses) or `before-shutdown` (the old
   * API works, for migration tests).
   */
  basicDisplay?: 'shut-down' | 'before-shutdown'
  /**
   * How an app in development mode refuses someone without a role: `unsupported-request`
   * (default, graph.instagram.com today: HTTP 400 IGApiException 100 on every call) or
   * `insufficient-developer-role` (older reports: the Instagram dialog refuses).
   */
  developmentModeRefusal?: 'unsupported-request' | 'insufficient-developer-role'
  /** Old long-lived token stops working at refresh (default false). */
  refreshInvalidatesOld?: boolean
  /** Refresh returns the same string with a new expiry (default false). */
  refreshReturnsSameToken?: boolean
  /** Which secret signs Instagram-flavor callbacks; default instagram for IG flavors, meta for Facebook Login. */
  callbackSecret?: 'instagram' | 'meta'
  /** Accept `appsecret_proof` without `appsecret_time` (default true). */
  acceptUntimedAppsecretProof?: boolean
  /** Enforce `requireAppSecretProof` on graph.instagram.com too (default false). */
  appsecretProofOnInstagramGraph?: boolean
  /** `data_access_expires_at` distance from issue, seconds (default 90 days). */
  dataAccessSec?: number
  /** Page size of media lists when `limit` is absent (default 25). */
  pageSize?: number
  /** Timeout for deauthorize/data-deletion POSTs, ms (default 5000). */
  callbackTimeoutMs?: number
  /** Request log entries kept (default 10000). */
  requestLogLimit?: number
  /** Start time of the emulator clock (epoch ms or ISO string); default the real time. */
  startTime?: number | string
  limits?: LimitsConfig
  faults?: FaultsConfig
}
