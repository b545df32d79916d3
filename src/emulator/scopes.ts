import type { FlavorName } from './types.js'

/** Scopes each flavor accepts, with the plain words the consent page shows. */
export const SCOPES: Record<FlavorName, Record<string, string>> = {
  'instagram-login': {
    instagram_business_basic: 'See your profile information and media',
    instagram_business_content_publish: 'Publish content to your account',
    instagram_business_manage_messages: 'Read and send messages',
    instagram_business_manage_comments: 'Read, reply to and delete comments',
    instagram_business_manage_insights: 'See insights about your account and content',
  },
  'basic-display': {
    user_profile: 'See your username, account type and media count',
    user_media: 'See your photos, videos and albums',
  },
  'facebook-login': {
    public_profile: 'See your name and profile picture',
    email: 'See your email address',
    instagram_basic: 'See your Instagram profile and media',
    instagram_content_publish: 'Publish content to Instagram',
    instagram_manage_comments: 'Manage comments on Instagram',
    instagram_manage_insights: 'See Instagram insights',
    instagram_manage_messages: 'Manage Instagram messages',
    pages_show_list: 'Show a list of the Pages you manage',
    pages_read_engagement: 'Read content posted on your Pages',
    business_management: 'Manage your business portfolio',
    ads_management: 'Manage your ads',
    ads_read: 'Read your ads',
  },
}

/** Basic Display scopes map to these permission names in tokens and `debug_token`. */
export const BASIC_DISPLAY_PERMISSIONS: Record<string, string> = {
  user_profile: 'instagram_graph_user_profile',
  user_media: 'instagram_graph_user_media',
}

/** What a Facebook Login for Business `config_id` grants in the emulator. */
export const CONFIG_ID_SCOPES = ['instagram_basic', 'pages_show_list', 'business_management']

/** Splits Meta's scope syntax: comma-separated or (URL-encoded) space-separated. */
export function splitScopes(raw: string | undefined): string[] {
  if (raw === undefined) return []
  return [...new Set(raw.split(/[\s,]+/).filter((s) => s !== ''))]
}
