import type { FlavorName } from '../meta/index.js'
import type { TokenKind } from '../store/index.js'

/** The token kind an account of each flavor is served with. */
export const SERVED_TOKEN_KIND: Readonly<Record<FlavorName, TokenKind>> = {
  'instagram-login': 'instagram_long_lived',
  'basic-display': 'basic_display_long_lived',
  // The Page token lives as long as the user token it came from was valid, and has no expiry.
  'facebook-login': 'facebook_page',
}

/** The token kind that carries a flavor's user session (what Meta's expiry applies to). */
export const USER_TOKEN_KIND: Readonly<Record<FlavorName, TokenKind>> = {
  'instagram-login': 'instagram_long_lived',
  'basic-display': 'basic_display_long_lived',
  'facebook-login': 'facebook_user_long_lived',
}
