import type { Flavor } from './flavor.js'

const DAY = 86_400

/**
 * Instagram API with Facebook Login: a professional account linked to a Facebook Page, Facebook
 * user and Page tokens for `graph.facebook.com`. Facebook user tokens have no refresh grant.
 *
 * @see https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
 */
export const facebookLogin: Flavor = Object.freeze({
  name: 'facebook-login',
  title: 'Instagram API with Facebook Login',
  endpoints: {
    authorize: { host: 'www.facebook.com', path: '/{version}/dialog/oauth', method: 'GET' },
    codeExchange: {
      host: 'graph.facebook.com',
      path: '/{version}/oauth/access_token',
      method: 'GET',
    },
    longLivedExchange: {
      host: 'graph.facebook.com',
      path: '/{version}/oauth/access_token',
      method: 'GET',
    },
    refresh: null,
    profile: { host: 'graph.facebook.com', path: '/{version}/{ig-user-id}', method: 'GET' },
    media: { host: 'graph.facebook.com', path: '/{version}/{ig-user-id}/media', method: 'GET' },
  },
  knownScopes: [
    'instagram_basic',
    'instagram_content_publish',
    'instagram_manage_comments',
    'instagram_manage_insights',
    'instagram_manage_messages',
    'pages_show_list',
    'pages_read_engagement',
    'pages_manage_metadata',
    'business_management',
    'ads_management',
    'ads_read',
    'public_profile',
    'email',
  ],
  // business_management: since Graph v17 /me/accounts omits business-owned Pages without it.
  defaultScopes: [
    'instagram_basic',
    'pages_show_list',
    'pages_read_engagement',
    'business_management',
  ],
  renamedScopes: {},
  authorizeOptions: ['authType', 'configId'],
  // Meta documents short-lived Facebook user tokens as lasting "hours"; the exchange answer's
  // `expires_in` wins when present.
  shortLivedTtlSeconds: 2 * 3600,
  longLivedTtlSeconds: 60 * DAY,
  minRefreshAgeSeconds: DAY,
  refreshable: false,
  appCredentials: 'meta-app',
  appCredentialsPath: 'App Dashboard > App settings > Basic',
  redirectUrisPath: 'App Dashboard > Facebook Login > Settings > Valid OAuth Redirect URIs',
  inspectsWithAppToken: true,
  userTokenKind: 'facebook_user_long_lived',
  // The Page token lives as long as the user token it came from was valid, and has no expiry.
  servedTokenKind: 'facebook_page',
  errorDialect: 'graph',
  profileFields: [
    'id',
    'username',
    'name',
    'profile_picture_url',
    'media_count',
    'followers_count',
    'follows_count',
  ],
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
} satisfies Flavor)
