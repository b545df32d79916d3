import type { ClientContext } from './client-context.js'
import { fillPath, tokenQuery, usageField } from './client-context.js'
import { invalidArgType, requireString } from './errors.js'
import type { Flavor } from './flavors/flavor.js'
import type { MetaRequest, ResponseContext } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest, withRetries } from './http-transport.js'
import { resolveInstagramUserId } from './pages.js'
import type { Profile } from './types.js'
import { WireReader } from './wire-fields.js'

/** Options of `getProfile`. */
export interface ProfileOptions {
  /** Fields to ask for (`id` and `username` are always added). */
  readonly fields?: readonly string[]
  /** Facebook Login: the IG user id; found through the user's Pages when left out. */
  readonly igUserId?: string
}

/** The fields asked for: the flavor's or the caller's, always with the ids and username. */
export function profileFields(flavor: Flavor, fields?: readonly string[]): string[] {
  if (fields !== undefined && !Array.isArray(fields)) {
    throw invalidArgType('"fields" must be an array of strings')
  }
  const base = flavor.name === 'instagram-login' ? ['user_id', 'username'] : ['id', 'username']
  const out = [...base]
  for (const f of fields ?? flavor.profileFields) {
    if (typeof f !== 'string' || f === '')
      throw invalidArgType('"fields" must be an array of strings')
    if (!out.includes(f)) out.push(f)
  }
  return out
}

/** The profile request of the flavor (`/me` on graph.instagram.com, `/{ig-user-id}` on Facebook). */
export function profileRequest(
  ctx: ClientContext,
  token: string,
  fields: readonly string[],
  igUserId: string | null,
): MetaRequest {
  const endpoint = ctx.flavor.endpoints.profile
  return {
    host: endpoint.host,
    path: fillPath(ctx, endpoint.path, igUserId === null ? {} : { 'ig-user-id': igUserId }),
    method: 'GET',
    query: { fields: fields.join(','), ...tokenQuery(ctx, endpoint.host, token) },
    secrets: [ctx.appSecret, token],
  }
}

/**
 * Validates a profile answer; `id` and `username` are required, every returned field is kept in
 * `fields`.
 */
export async function processProfileResponse(
  response: Response,
  ctx: ResponseContext,
  hooks?: Pick<ClientContext, 'onUsage'>,
): Promise<Profile> {
  const { body, usage } = await readMetaJson(response, ctx)
  const r = new WireReader(ctx, response.status)
  const obj = r.record(body, 'body')
  const userId = r.optionalId(obj, 'user_id')
  const accountType = r.optionalString(obj, 'account_type')
  const name = r.optionalString(obj, 'name')
  const mediaCount = r.optionalNumber(obj, 'media_count')
  const profilePictureUrl = r.optionalString(obj, 'profile_picture_url')
  return {
    id: r.id(obj, 'id'),
    ...(userId === null ? {} : { userId }),
    username: r.string(obj, 'username'),
    ...(accountType === null ? {} : { accountType }),
    ...(name === null ? {} : { name }),
    ...(mediaCount === null ? {} : { mediaCount }),
    ...(profilePictureUrl === null ? {} : { profilePictureUrl }),
    fields: obj,
    ...usageField(hooks, usage),
  }
}

/** Reads the profile behind a token. */
export async function getProfile(
  ctx: ClientContext,
  token: string,
  options: ProfileOptions = {},
): Promise<Profile> {
  const value = requireString(token, 'token')
  const fields = profileFields(ctx.flavor, options.fields)
  if (ctx.flavor.name === 'instagram-login' && !fields.includes('id')) fields.push('id')
  const igUserId =
    ctx.flavor.name === 'facebook-login'
      ? options.igUserId === undefined
        ? await resolveInstagramUserId(ctx, value)
        : requireString(options.igUserId, 'igUserId')
      : null
  const request = profileRequest(ctx, value, fields, igUserId)
  return withRetries(ctx, true, async () =>
    processProfileResponse(await sendRequest(ctx, request), responseContext(ctx, request), ctx),
  )
}
