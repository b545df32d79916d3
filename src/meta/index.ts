/**
 * igtoken's protocol library: Meta's OAuth and Graph endpoints for Instagram tokens, in three
 * login flavors.
 *
 * @packageDocumentation
 */
export type { AppSecretProof } from './appsecret-proof.js'
export { computeAppSecretProof } from './appsecret-proof.js'
export type { AuthorizationUrlParams } from './authorize-url.js'
export type { DialogAnswer, DialogRefusal, DialogResponse } from './authorize-dialog.js'
export { classifyDialogResponse } from './authorize-dialog.js'
export type { MetaClient, MetaClientOptions } from './client.js'
export {
  createMetaClient,
  DEFAULT_GRAPH_VERSION,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
} from './client.js'
export { processCodeExchangeResponse } from './code-exchange.js'
export * from './error-codes.js'
export type { ErrorAction, BrokerErrorOptions, MetaApiErrorInit } from './errors.js'
export {
  AuthorizationDeniedError,
  BrokerError,
  MetaApiError,
  errorAction,
  isMetaApiError,
} from './errors.js'
export type {
  AuthorizeOption,
  Endpoint,
  Flavor,
  FlavorName,
  StoredTokenKind,
} from './flavors/flavor.js'
export { FLAVOR_NAMES, flavorOfTokenKind, getFlavor } from './flavors/index.js'
export type { MetaHost } from './hosts.js'
export { META_HOSTS, emulatorBaseUrls } from './hosts.js'
export type { ResponseContext } from './http-transport.js'
export type { RefreshOptions } from './long-lived-token.js'
export { processLongLivedTokenResponse } from './long-lived-token.js'
export type { ListMediaOptions } from './media.js'
export { processMediaPageResponse } from './media.js'
export { parseMetaJson } from './meta-json.js'
export { processPagesResponse } from './pages.js'
export type { ProfileOptions } from './profile.js'
export { processProfileResponse } from './profile.js'
export { redactUrl } from './redact.js'
export type { RedirectResult } from './redirect-parser.js'
export type { SignedRequestPayload, VerifySignedRequestOptions } from './signed-request.js'
export { encodeSignedRequest, verifySignedRequest } from './signed-request.js'
export { processDebugTokenResponse } from './token-inspection.js'
export type {
  FacebookPage,
  LongLivedToken,
  Media,
  MediaPage,
  Profile,
  ShortLivedToken,
  TokenInspection,
} from './types.js'
export type { ProxyAnswer, ProxyCall, ProxyMethod } from './graph-proxy.js'
export { PROXY_REFUSED_PARAMS, PROXY_USAGE_HEADERS, parseProxyPath } from './graph-proxy.js'
export type { UsageEntry, UsageReading } from './usage-headers.js'
export { parseUsageHeaders } from './usage-headers.js'
export type { WebhookChallengeAnswer } from './webhook.js'
export { answerWebhookChallenge, verifyWebhookSignature } from './webhook.js'
