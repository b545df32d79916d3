import type { ClientContext } from './client-context.js'
import { fillPath, usageField } from './client-context.js'
import { IGB_REFRESH_TOO_EARLY, IGB_REFRESH_UNSUPPORTED, IGB_TOKEN_EXPIRED } from './error-codes.js'
import { BrokerError, invalidArgType, requireString } from './errors.js'
import type { Flavor } from './flavors/flavor.js'
import type { MetaRequest, ResponseContext } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest, withRetries } from './http-transport.js'
import type { LongLivedToken } from './types.js'
import { WireReader } from './wire-fields.js'

/** The request upgrading a short-lived token (`ig_exchange_token` / `fb_exchange_token`). */
export function longLivedExchangeRequest(ctx: ClientContext, shortLivedToken: string): MetaRequest {
  const token = requireString(shortLivedToken, 'shortLivedToken')
  const endpoint = ctx.flavor.endpoints.longLivedExchange
  const query: Record<string, string> =
    ctx.flavor.name === 'facebook-login'
      ? {
          grant_type: 'fb_exchange_token',
          client_id: ctx.appId,
          client_secret: ctx.appSecret,
          fb_exchange_token: token,
        }
      : { grant_type: 'ig_exchange_token', client_secret: ctx.appSecret, access_token: token }
  return {
    host: endpoint.host,
    path: fillPath(ctx, endpoint.path),
    method: endpoint.method,
    query,
    secrets: [ctx.appSecret, token],
  }
}

/** Sends the long-lived exchange once and returns Meta's raw `Response`. */
export async function exchangeForLongLivedTokenRequest(
  ctx: ClientContext,
  shortLivedToken: string,
): Promise<Response> {
  return await sendRequest(ctx, longLivedExchangeRequest(ctx, shortLivedToken))
}

/**
 * Validates `{"access_token","token_type":"bearer","expires_in"}`; `expires_in` may be a number or
 * a numeric string.
 *
 * @throws MetaApiError, BrokerError `IGB_INVALID_RESPONSE`.
 */
export async function processLongLivedTokenResponse(
  response: Response,
  ctx: ResponseContext,
  hooks?: Pick<ClientContext, 'onUsage'>,
): Promise<LongLivedToken> {
  const { body, usage } = await readMetaJson(response, ctx)
  const r = new WireReader(ctx, response.status)
  const obj = r.record(body, 'body')
  const accessToken = r.string(obj, 'access_token')
  const tokenType = r.optionalString(obj, 'token_type')
  if (tokenType !== null && tokenType.toLowerCase() !== 'bearer') {
    throw r.fail('"token_type" must be "bearer"')
  }
  const expiresIn = r.positiveNumber(obj, 'expires_in')
  return {
    accessToken,
    tokenType: 'bearer',
    expiresIn,
    expiresAt: ctx.now() + expiresIn * 1000,
    ...usageField(hooks, usage),
  }
}

/** Upgrades a short-lived token to a long-lived one. */
export async function exchangeForLongLivedToken(
  ctx: ClientContext,
  shortLivedToken: string,
): Promise<LongLivedToken> {
  const request = longLivedExchangeRequest(ctx, shortLivedToken)
  return await withRetries(ctx, true, async () => {
    const response = await sendRequest(ctx, request)
    return processLongLivedTokenResponse(response, responseContext(ctx, request), ctx)
  })
}

/** What the caller knows about the token to refresh. */
export interface RefreshOptions {
  /** When the token was issued or last refreshed, epoch ms. */
  readonly issuedAt?: number
  /** When the token expires, epoch ms. */
  readonly expiresAt?: number
  /** Call Meta even when the known times say it will refuse. */
  readonly force?: boolean
}

/**
 * Refuses a refresh Meta would refuse anyway, so no call is wasted: Facebook user tokens have no
 * refresh grant; Instagram tokens must be at least 24 h old and unexpired.
 *
 * @throws BrokerError `IGB_REFRESH_UNSUPPORTED`, `IGB_TOKEN_EXPIRED`, `IGB_REFRESH_TOO_EARLY`.
 */
export function assertRefreshAllowed(flavor: Flavor, now: number, options: RefreshOptions): void {
  if (typeof options !== 'object') throw invalidArgType('"options" must be an object')
  for (const name of ['issuedAt', 'expiresAt'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw invalidArgType(`"${name}" must be a number of epoch milliseconds`)
    }
  }
  if (!flavor.refreshable || flavor.endpoints.refresh === null) {
    throw new BrokerError(
      IGB_REFRESH_UNSUPPORTED,
      `the "${flavor.name}" flavor has no refresh grant: send the person through login again before the token expires`,
      { action: 'reauthorize' },
    )
  }
  if (options.force === true) return
  if (options.expiresAt !== undefined && now >= options.expiresAt) {
    throw new BrokerError(
      IGB_TOKEN_EXPIRED,
      'the token is past its "expiresAt" and can no longer be refreshed',
      { action: 'reauthorize' },
    )
  }
  if (options.issuedAt !== undefined) {
    const refreshableAt = options.issuedAt + flavor.minRefreshAgeSeconds * 1000
    if (now < refreshableAt) {
      throw new BrokerError(
        IGB_REFRESH_TOO_EARLY,
        `the token must be at least ${flavor.minRefreshAgeSeconds / 3600} hours old ("issuedAt") before meta refreshes it`,
        { action: 'retry-later', retryAfterMs: refreshableAt - now },
      )
    }
  }
}

/** The `ig_refresh_token` request (no client secret: Meta does not want one). */
export function refreshRequest(ctx: ClientContext, token: string): MetaRequest {
  const value = requireString(token, 'token')
  const endpoint = ctx.flavor.endpoints.refresh
  if (endpoint === null) {
    throw new BrokerError(
      IGB_REFRESH_UNSUPPORTED,
      `the "${ctx.flavor.name}" flavor has no refresh grant`,
      {
        action: 'reauthorize',
      },
    )
  }
  return {
    host: endpoint.host,
    path: fillPath(ctx, endpoint.path),
    method: endpoint.method,
    query: { grant_type: 'ig_refresh_token', access_token: value },
    secrets: [ctx.appSecret, value],
  }
}

/** Sends the refresh once and returns Meta's raw `Response`. */
export async function refreshLongLivedTokenRequest(
  ctx: ClientContext,
  token: string,
): Promise<Response> {
  return await sendRequest(ctx, refreshRequest(ctx, token))
}

/** Refreshes a long-lived token after checking Meta's rules against the known times. */
export async function refreshLongLivedToken(
  ctx: ClientContext,
  token: string,
  options: RefreshOptions = {},
): Promise<LongLivedToken> {
  requireString(token, 'token')
  assertRefreshAllowed(ctx.flavor, ctx.now(), options)
  const request = refreshRequest(ctx, token)
  return await withRetries(ctx, true, async () => {
    const response = await sendRequest(ctx, request)
    return processLongLivedTokenResponse(response, responseContext(ctx, request), ctx)
  })
}
