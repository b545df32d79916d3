import type { ClientContext } from './client-context.js'
import { fillPath, usageField } from './client-context.js'
import { requireString } from './errors.js'
import type { Flavor } from './flavors/flavor.js'
import type { MetaRequest, ResponseContext } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest } from './http-transport.js'
import type { ShortLivedToken } from './types.js'
import { WireReader } from './wire-fields.js'

/** The request exchanging an authorization code (form POST on Instagram, GET on Facebook). */
export function codeExchangeRequest(ctx: ClientContext, code: string): MetaRequest {
  const clean = requireString(code, 'code')
    .trim()
    .replace(/#_(=_)?$/, '')
  requireString(clean, 'code')
  const endpoint = ctx.flavor.endpoints.codeExchange
  const params = {
    client_id: ctx.appId,
    client_secret: ctx.appSecret,
    redirect_uri: ctx.redirectUri,
    code: clean,
  }
  const base = {
    host: endpoint.host,
    path: fillPath(ctx, endpoint.path),
    method: endpoint.method,
    secrets: [ctx.appSecret, clean],
  }
  // Instagram wants a form body (never JSON); Facebook's endpoint is a GET with a query.
  return endpoint.method === 'POST'
    ? { ...base, form: { ...params, grant_type: 'authorization_code' } }
    : { ...base, query: params }
}

/** Sends the code exchange once and returns Meta's raw `Response`. */
export async function exchangeCodeRequest(ctx: ClientContext, code: string): Promise<Response> {
  return await sendRequest(ctx, codeExchangeRequest(ctx, code))
}

/**
 * Validates a code-exchange answer: Instagram's documented `{"data":[{…}]}` or the flat
 * `{access_token,user_id,permissions}`, or Facebook's `{access_token,token_type,expires_in}`.
 *
 * @throws MetaApiError, BrokerError `IGB_INVALID_RESPONSE`.
 */
export async function processCodeExchangeResponse(
  flavor: Flavor,
  response: Response,
  ctx: ResponseContext,
  hooks?: Pick<ClientContext, 'onUsage'>,
): Promise<ShortLivedToken> {
  const { body, usage } = await readMetaJson(response, ctx)
  const r = new WireReader(ctx, response.status)
  let obj = r.record(body, 'body')
  const data = obj['data']
  if (Array.isArray(data)) {
    if (data.length === 0) throw r.fail('"data" is empty')
    obj = r.record(data[0], 'data[0]')
  }
  const accessToken = r.string(obj, 'access_token')
  const now = ctx.now()
  if (flavor.errorDialect === 'instagram-oauth') {
    return {
      accessToken,
      userId: r.id(obj, 'user_id'),
      permissions: r.stringList(obj, 'permissions'),
      // Instagram's exchange carries no lifetime; the documented one is 1 hour.
      expiresAt: now + flavor.shortLivedTtlSeconds * 1000,
      ...usageField(hooks, usage),
    }
  }
  const expiresIn = r.optionalNumber(obj, 'expires_in')
  return {
    accessToken,
    userId: r.optionalId(obj, 'user_id'),
    permissions: r.stringList(obj, 'permissions'),
    expiresAt: expiresIn === null || expiresIn === 0 ? null : now + expiresIn * 1000,
    ...usageField(hooks, usage),
  }
}

/** Exchanges a code for a short-lived token. Never retried: a code works once. */
export async function exchangeCode(ctx: ClientContext, code: string): Promise<ShortLivedToken> {
  const request = codeExchangeRequest(ctx, code)
  const response = await sendRequest(ctx, request)
  return processCodeExchangeResponse(ctx.flavor, response, responseContext(ctx, request), ctx)
}
