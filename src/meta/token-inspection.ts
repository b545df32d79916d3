import type { ClientContext } from './client-context.js'
import { fillPath, usageField } from './client-context.js'
import { MetaApiError, requireString } from './errors.js'
import type { MetaRequest, ResponseContext } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest, withRetries } from './http-transport.js'
import { profileRequest, processProfileResponse } from './profile.js'
import type { TokenInspection } from './types.js'
import { WireReader } from './wire-fields.js'

const TOKEN_TYPES = ['USER', 'PAGE', 'APP', 'SYSTEM_USER'] as const

/** `debug_token` with the app token `{app-id}|{app-secret}` (Facebook Login). */
export function debugTokenRequest(ctx: ClientContext, token: string): MetaRequest {
  const appToken = `${ctx.appId}|${ctx.appSecret}`
  return {
    host: 'graph.facebook.com',
    path: fillPath(ctx, '/{version}/debug_token'),
    method: 'GET',
    query: { input_token: token, access_token: appToken },
    secrets: [appToken, ctx.appSecret, token],
  }
}

/** Validates a `debug_token` answer `{"data":{…}}`; `expires_at: 0` means never. */
export async function processDebugTokenResponse(
  response: Response,
  ctx: ResponseContext,
  hooks?: Pick<ClientContext, 'onUsage'>,
): Promise<TokenInspection> {
  const { body, usage } = await readMetaJson(response, ctx)
  const r = new WireReader(ctx, response.status)
  const data = r.record(r.record(body, 'body')['data'], 'data')
  const isValid = data['is_valid']
  if (typeof isValid !== 'boolean') throw r.fail('"is_valid" must be a boolean')
  const rawType = r.optionalString(data, 'type') ?? 'USER'
  const type = TOKEN_TYPES.find((t) => t === rawType)
  if (type === undefined) throw r.fail('"type" must be one of USER, PAGE, APP, SYSTEM_USER')
  const seconds = (name: string): number | null => {
    const n = r.optionalNumber(data, name)
    return n === null || n === 0 ? null : n * 1000
  }
  const appId = r.optionalId(data, 'app_id')
  const userId = r.optionalId(data, 'user_id')
  const rawError = data['error']
  let error: TokenInspection['error']
  if (rawError !== undefined && rawError !== null) {
    const e = r.record(rawError, 'error')
    const code = r.optionalNumber(e, 'code')
    const subcode = r.optionalNumber(e, 'subcode') ?? r.optionalNumber(e, 'error_subcode')
    error = {
      ...(code === null ? {} : { code }),
      ...(subcode === null ? {} : { subcode }),
      message: r.optionalString(e, 'message') ?? '',
    }
  }
  return {
    isValid,
    type,
    ...(appId === null ? {} : { appId }),
    ...(userId === null ? {} : { userId }),
    scopes: r.stringList(data, 'scopes'),
    issuedAt: seconds('issued_at'),
    expiresAt: seconds('expires_at'),
    dataAccessExpiresAt: seconds('data_access_expires_at'),
    ...(error === undefined ? {} : { error }),
    ...usageField(hooks, usage),
  }
}

/**
 * Asks Meta about a token: `debug_token` for Facebook; a `/me` call for Instagram flavors, where
 * a dead token (action `reauthorize`) reads as `isValid: false` instead of throwing.
 */
export async function inspectToken(ctx: ClientContext, token: string): Promise<TokenInspection> {
  const value = requireString(token, 'token')
  if (ctx.flavor.name === 'facebook-login') {
    const request = debugTokenRequest(ctx, value)
    return withRetries(ctx, true, async () =>
      processDebugTokenResponse(
        await sendRequest(ctx, request),
        responseContext(ctx, request),
        ctx,
      ),
    )
  }
  const fields =
    ctx.flavor.name === 'instagram-login' ? ['user_id', 'username', 'id'] : ['id', 'username']
  const request = profileRequest(ctx, value, fields, null)
  const unknownTimes = { scopes: [], issuedAt: null, expiresAt: null, dataAccessExpiresAt: null }
  try {
    const profile = await withRetries(ctx, true, async () =>
      processProfileResponse(await sendRequest(ctx, request), responseContext(ctx, request), ctx),
    )
    return {
      isValid: true,
      type: 'INSTAGRAM',
      userId: profile.userId ?? profile.id,
      ...unknownTimes,
      ...(profile.usage === undefined ? {} : { usage: profile.usage }),
    }
  } catch (err) {
    if (!(err instanceof MetaApiError) || err.action !== 'reauthorize') throw err
    return {
      isValid: false,
      type: 'INSTAGRAM',
      ...unknownTimes,
      error: {
        ...(err.code === null ? {} : { code: err.code }),
        ...(err.subcode === null ? {} : { subcode: err.subcode }),
        message: err.message,
      },
    }
  }
}
