import type { Flavor } from './flavor.js'

const DAY = 86_400

/**
 * Legacy Instagram Basic Display API. Meta shut it down on 2024-12-04; kept for migration tests
 * against the emulator. Choosing it emits an `IGW_DEPRECATED_FLAVOR` warning.
 *
 * @see https://developers.facebook.com/docs/instagram-basic-display-api/
 */
export const basicDisplay: Flavor = Object.freeze({
  name: 'basic-display',
  title: 'Instagram Basic Display API (shut down)',
  endpoints: {
    authorize: { host: 'api.instagram.com', path: '/oauth/authorize', method: 'GET' },
    codeExchange: { host: 'api.instagram.com', path: '/oauth/access_token', method: 'POST' },
    longLivedExchange: { host: 'graph.instagram.com', path: '/access_token', method: 'GET' },
    refresh: { host: 'graph.instagram.com', path: '/refresh_access_token', method: 'GET' },
    profile: { host: 'graph.instagram.com', path: '/me', method: 'GET' },
    media: { host: 'graph.instagram.com', path: '/me/media', method: 'GET' },
  },
  knownScopes: ['user_profile', 'user_media'],
  defaultScopes: ['user_profile', 'user_media'],
  renamedScopes: {},
  authorizeOptions: [],
  shortLivedTtlSeconds: 3600,
  longLivedTtlSeconds: 60 * DAY,
  minRefreshAgeSeconds: DAY,
  refreshable: true,
  appCredentials: 'instagram-app',
  appCredentialsPath: 'App Dashboard > Instagram Basic Display > Basic Display',
  redirectUrisPath:
    'App Dashboard > Instagram Basic Display > Basic Display > Valid OAuth Redirect URIs',
  inspectsWithAppToken: false,
  userTokenKind: 'basic_display_long_lived',
  servedTokenKind: 'basic_display_long_lived',
  errorDialect: 'instagram-oauth',
  profileFields: ['id', 'username', 'account_type', 'media_count'],
  mediaFields: [
    'id',
    'caption',
    'media_type',
    'media_url',
    'thumbnail_url',
    'permalink',
    'timestamp',
    'children{id,media_type,media_url,thumbnail_url,permalink,timestamp}',
  ],
  deprecated: {
    since: '2024-12-04',
    message:
      'the Instagram Basic Display API was shut down by Meta on 2024-12-04; use "instagram-login" (or "facebook-login") for real accounts',
  },
} satisfies Flavor)
