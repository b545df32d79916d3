import type { MetaHost } from '../hosts.js'

/** One of the three ways to get an Instagram token. */
export type FlavorName = 'instagram-login' | 'facebook-login' | 'basic-display'

/**
 * The long-lived token kinds a flavor stores (the store's `tokens.kind` values; the store's own
 * list also has `short_lived`).
 */
export type StoredTokenKind =
  'instagram_long_lived' | 'basic_display_long_lived' | 'facebook_user_long_lived' | 'facebook_page'

/** An optional login-dialog parameter of `buildAuthorizationUrl`. */
export type AuthorizeOption =
  'enableFbLogin' | 'forceAuthentication' | 'forceReauth' | 'authType' | 'configId'

/** Where a call goes: a host and a path template (`{version}` is the Graph version). */
export interface Endpoint {
  readonly host: MetaHost
  readonly path: string
  readonly method: 'GET' | 'POST'
}

/**
 * A login flavor as data: where each step goes, which scopes exist, how long tokens live, and
 * which rules apply. Behaviour that differs beyond data lives in the flavor's own module.
 */
export interface Flavor {
  readonly name: FlavorName
  readonly title: string
  readonly endpoints: {
    readonly authorize: Endpoint
    readonly codeExchange: Endpoint
    readonly longLivedExchange: Endpoint
    /** `null` when the flavor has no refresh grant. */
    readonly refresh: Endpoint | null
    readonly profile: Endpoint
    readonly media: Endpoint
  }
  /** Scopes Meta documents for this flavor. */
  readonly knownScopes: readonly string[]
  /** Scopes requested when the caller names none. */
  readonly defaultScopes: readonly string[]
  /** Old or misspelled scope → the scope to use instead. */
  readonly renamedScopes: Readonly<
    Record<string, { readonly use: string; readonly why: 'deprecated' | 'misspelled' }>
  >
  /** Optional login-dialog parameters this flavor understands. */
  readonly authorizeOptions: readonly AuthorizeOption[]
  /** Documented lifetime of the token from the code exchange. */
  readonly shortLivedTtlSeconds: number
  /** Documented lifetime of a long-lived token (Meta answers 5183944, just under 60 days). */
  readonly longLivedTtlSeconds: number
  /** A token must be this old before Meta refreshes it (24 h). */
  readonly minRefreshAgeSeconds: number
  /** Whether a refresh grant exists. */
  readonly refreshable: boolean
  /** The token kind that carries the user's session (what Meta's expiry and refresh apply to). */
  readonly userTokenKind: StoredTokenKind
  /** The token kind an account is served with (a Page token for Facebook Login). */
  readonly servedTokenKind: StoredTokenKind
  /** Error dialect of the code exchange (Graph APIs always use `graph`). */
  readonly errorDialect: 'instagram-oauth' | 'graph'
  /** Default profile fields. */
  readonly profileFields: readonly string[]
  /** Fields of `/media` (and of album children). */
  readonly mediaFields: readonly string[]
  /**
   * Which of the app's two id/secret pairs this flavor signs in with: the Instagram app's pair
   * (shown under the Instagram product) or the Meta app's own pair (App settings > Basic).
   */
  readonly appCredentials: 'instagram-app' | 'meta-app'
  /** Where the App Dashboard shows the id and secret of {@link Flavor.appCredentials}. */
  readonly appCredentialsPath: string
  /** Where the App Dashboard lists the OAuth redirect URIs this flavor's login accepts. */
  readonly redirectUrisPath: string
  /** `debug_token` inspects this flavor's tokens, and it is called with the app's own token. */
  readonly inspectsWithAppToken: boolean
  /** Set when Meta shut the flavor down. */
  readonly deprecated?: { readonly since: string; readonly message: string }
}
