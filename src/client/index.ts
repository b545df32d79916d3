/**
 * `igtoken/client`: the SDK for apps that use an igtoken service. No dependencies; runs on
 * Node ≥ 20 and in browsers (fetch and Web Crypto). See docs/agencies.md.
 */
export { createIgtokenClient } from './client.js'
export type { GraphOptions, IgtokenClient, IgtokenClientOptions } from './client.js'
export {
  ForbiddenScopeError,
  IGTOKEN_ERROR_CODES,
  IgtokenError,
  NeedsReauthError,
  RateLimitedError,
} from './errors.js'
export type { IgtokenErrorCode, MetaErrorBody } from './errors.js'
export { ACCOUNT_FIELDS, TOKEN_FIELDS } from './types.js'
export type {
  Account,
  AccountPage,
  ConnectLink,
  ConnectLinkInput,
  CreatedConnectLink,
  TokenAnswer,
} from './types.js'
export { verifyWebhook } from './webhook.js'
export type { WebhookVerification } from './webhook.js'
