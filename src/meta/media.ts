import type { ClientContext } from './client-context.js'
import { fillPath, tokenQuery, usageField } from './client-context.js'
import { invalidArgValue, requireString } from './errors.js'
import type { MetaRequest, ResponseContext } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest, withRetries } from './http-transport.js'
import { nextCursorOf, resolveInstagramUserId } from './pages.js'
import type { Media, MediaPage } from './types.js'
import type { UsageReading } from './usage-headers.js'
import { WireReader } from './wire-fields.js'

/** Options of `listMedia`. */
export interface ListMediaOptions {
  /** Items per page (Meta's `limit`). */
  readonly limit?: number
  /** Cursor from a previous `nextCursor`. */
  readonly after?: string
  /** Follow `paging.next` up to this many pages (default 1). */
  readonly maxPages?: number
  /** Facebook Login: the IG user id; found through the user's Pages when left out. */
  readonly igUserId?: string
}

/** One page of `/me/media` (or `/{ig-user-id}/media`). */
export function mediaRequest(
  ctx: ClientContext,
  token: string,
  igUserId: string | null,
  limit: number | undefined,
  after: string | null,
): MetaRequest {
  const endpoint = ctx.flavor.endpoints.media
  return {
    host: endpoint.host,
    path: fillPath(ctx, endpoint.path, igUserId === null ? {} : { 'ig-user-id': igUserId }),
    method: 'GET',
    query: {
      fields: ctx.flavor.mediaFields.join(','),
      ...(limit === undefined ? {} : { limit: String(limit) }),
      ...(after === null ? {} : { after }),
      ...tokenQuery(ctx, endpoint.host, token),
    },
    secrets: [ctx.appSecret, token],
  }
}

/** Validates one page of media. */
export async function processMediaPageResponse(
  response: Response,
  ctx: ResponseContext,
): Promise<{ items: Media[]; nextCursor: string | null; usage: UsageReading | null }> {
  const { body, usage } = await readMetaJson(response, ctx)
  const r = new WireReader(ctx, response.status)
  const obj = r.record(body, 'body')
  const data = obj['data']
  if (!Array.isArray(data)) throw r.fail('"data" must be an array')
  return {
    items: data.map((item: unknown) => toMedia(r, item)),
    nextCursor: nextCursorOf(r, obj),
    usage,
  }
}

function toMedia(r: WireReader, item: unknown): Media {
  const m = r.record(item, 'data[]')
  const stamp = r.optionalString(m, 'timestamp')
  const time = stamp === null ? null : Date.parse(stamp)
  if (time !== null && Number.isNaN(time)) throw r.fail('"timestamp" must be an ISO 8601 date')
  const children = m['children']
  let childItems: Media[] = []
  if (children !== undefined && children !== null) {
    const list = r.record(children, 'children')['data']
    if (!Array.isArray(list)) throw r.fail('"children.data" must be an array')
    childItems = list.map((child: unknown) => toMedia(r, child))
  }
  return {
    id: r.id(m, 'id'),
    caption: r.optionalString(m, 'caption'),
    mediaType: r.optionalString(m, 'media_type'),
    mediaUrl: r.optionalString(m, 'media_url'),
    thumbnailUrl: r.optionalString(m, 'thumbnail_url'),
    permalink: r.optionalString(m, 'permalink'),
    timestamp: time,
    children: childItems,
  }
}

function positiveInt(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value < 1)
    throw invalidArgValue(`"${name}" must be a positive integer`)
  return value
}

/** Lists media, following pages up to `maxPages`. */
export async function listMedia(
  ctx: ClientContext,
  token: string,
  options: ListMediaOptions = {},
): Promise<MediaPage> {
  const value = requireString(token, 'token')
  const limit = positiveInt(options.limit, 'limit')
  const maxPages = positiveInt(options.maxPages, 'maxPages') ?? 1
  let after = options.after === undefined ? null : requireString(options.after, 'after')
  const igUserId =
    ctx.flavor.name === 'facebook-login'
      ? options.igUserId === undefined
        ? await resolveInstagramUserId(ctx, value)
        : requireString(options.igUserId, 'igUserId')
      : null
  const items: Media[] = []
  let usage: UsageReading | null = null
  for (let page = 0; page < maxPages; page++) {
    const request = mediaRequest(ctx, value, igUserId, limit, after)
    const result = await withRetries(ctx, true, async () =>
      processMediaPageResponse(await sendRequest(ctx, request), responseContext(ctx, request)),
    )
    items.push(...result.items)
    usage = result.usage ?? usage
    if (result.usage !== null) ctx.onUsage?.(result.usage)
    const repeated = result.nextCursor !== null && result.nextCursor === after
    after = repeated ? null : result.nextCursor
    if (after === null) break
  }
  return { items, nextCursor: after, ...usageField(undefined, usage) }
}
