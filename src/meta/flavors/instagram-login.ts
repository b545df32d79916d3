import type { Flavor } from './flavor.js'

const DAY = 86_400

/**
 * Instagram API with Instagram Login ("Business Login for Instagram"): professional accounts, no
 * Facebook Page, tokens for `graph.instagram.com`. The default flavor.
 *
 * @see https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-instagram-login/business-login
 */
export const instagramLogin: Flavor = Object.freeze({
  name: 'instagram-login',
  title: 'Instagram API with Instagram Login',
  endpoints: {
    authorize: { host: 'www.instagram.com', path: '/oauth/authorize', method: 'GET' },
    codeExchange: { host: 'api.instagram.com', path: '/oauth/access_token', method: 'POST' },
    longLivedExchange: { host: 'graph.instagram.com', path: '/access_token', method: 'GET' },
    refresh: { host: 'graph.instagram.com', path: '/refresh_access_token', method: 'GET' },
    profile: { host: 'graph.instagram.com', path: '/{version}/me', method: 'GET' },
    media: { host: 'graph.instagram.com', path: '/{version}/me/media', method: 'GET' },
  },
  knownScopes: [
    'instagram_business_basic',
    'instagram_business_content_publish',
    'instagram_business_manage_messages',
    'instagram_business_manage_comments',
    'instagram_business_manage_insights',
  ],
  defaultScopes: ['instagram_business_basic'],
  renamedScopes: {
    business_basic: { use: 'instagram_business_basic', why: 'deprecated' },
    business_content_publish: { use: 'instagram_business_content_publish', why: 'deprecated' },
    business_manage_comments: { use: 'instagram_business_manage_comments', why: 'deprecated' },
    business_manage_messages: { use: 'instagram_business_manage_messages', why: 'deprecated' },
    instagram_business_content_publishing: {
      use: 'instagram_business_content_publish',
      why: 'misspelled',
    },
  },
  authorizeOptions: ['enableFbLogin', 'forceAuthentication', 'forceReauth'],
  shortLivedTtlSeconds: 3600,
  longLivedTtlSeconds: 60 * DAY,
  minRefreshAgeSeconds: DAY,
  refreshable: true,
  appCredentials: 'instagram-app',
  appCredentialsPath:
    'App Dashboard > Instagram > API setup with Instagram login > Business login settings',
  redirectUrisPath:
    'App Dashboard > Instagram > API setup with Instagram login > 3. Set up Instagram business login > Business login settings > OAuth redirect URIs',
  inspectsWithAppToken: false,
  userTokenKind: 'instagram_long_lived',
  servedTokenKind: 'instagram_long_lived',
  errorDialect: 'instagram-oauth',
  profileFields: [
    'user_id',
    'username',
    'account_type',
    'name',
    'profile_picture_url',
    'media_count',
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
