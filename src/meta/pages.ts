import type { ClientContext } from './client-context.js'
import { fillPath, tokenQuery } from './client-context.js'
import { IGB_NO_INSTAGRAM_ACCOUNT, IGB_UNSUPPORTED_BY_FLAVOR } from './error-codes.js'
import { BrokerError, requireString } from './errors.js'
import type { MetaRequest, ResponseContext } from './http-transport.js'
import { readMetaJson, responseContext, sendRequest, withRetries } from './http-transport.js'
import type { FacebookPage } from './types.js'
import { WireReader } from './wire-fields.js'

const PAGE_FIELDS = 'id,name,access_token,tasks,instagram_business_account{id,username}'
// A person rarely manages more than a few Pages; the bound stops a paging loop on a bad cursor.
const MAX_PAGE_LIST_PAGES = 50

/** Throws unless the client's flavor is Facebook Login. */
export function requireFacebookFlavor(ctx: ClientContext, call: string): void {
  if (ctx.flavor.name !== 'facebook-login') {
    throw new BrokerError(
      IGB_UNSUPPORTED_BY_FLAVOR,
      `"${call}" needs the "facebook-login" flavor, not "${ctx.flavor.name}"`,
      { action: 'fix-request' },
    )
  }
}

/** One page of `/me/accounts`. */
export function listPagesRequest(
  ctx: ClientContext,
  userToken: string,
  after: string | null,
): MetaRequest {
  const token = requireString(userToken, 'userToken')
  return {
    host: 'graph.facebook.com',
    path: fillPath(ctx, '/{version}/me/accounts'),
    method: 'GET',
    query: {
      fields: PAGE_FIELDS,
      ...(after === null ? {} : { after }),
      ...tokenQuery(ctx, 'graph.facebook.com', token),
    },
    secrets: [ctx.appSecret, token],
  }
}

/**
 * Validates one page of `/me/accounts`.
 *
 * @returns The Pages and the cursor of the next page (`null` on the last).
 */
export async function processPagesResponse(
  response: Response,
  ctx: ResponseContext,
): Promise<{ pages: FacebookPage[]; nextCursor: string | null }> {
  const { body } = await readMetaJson(response, ctx)
  const r = new WireReader(ctx, response.status)
  const obj = r.record(body, 'body')
  const data = obj['data']
  if (!Array.isArray(data)) throw r.fail('"data" must be an array')
  const pages = data.map((item: unknown): FacebookPage => {
    const page = r.record(item, 'data[]')
    const ig = page['instagram_business_account']
    let instagramBusinessAccount: FacebookPage['instagramBusinessAccount'] = null
    if (ig !== undefined && ig !== null) {
      const account = r.record(ig, 'instagram_business_account')
      const username = r.optionalString(account, 'username')
      instagramBusinessAccount = {
        id: r.id(account, 'id'),
        ...(username === null ? {} : { username }),
      }
    }
    return {
      id: r.id(page, 'id'),
      name: r.optionalString(page, 'name') ?? '',
      accessToken: r.string(page, 'access_token'),
      tasks: r.stringList(page, 'tasks'),
      instagramBusinessAccount,
    }
  })
  return { pages, nextCursor: nextCursorOf(r, obj) }
}

/** The `after` cursor when `paging.next` says there is a next page, else `null`. */
export function nextCursorOf(r: WireReader, obj: Record<string, unknown>): string | null {
  const paging = obj['paging']
  if (paging === undefined || paging === null) return null
  const p = r.record(paging, 'paging')
  const next = r.optionalString(p, 'next')
  if (next === null) return null
  const cursors = p['cursors']
  if (cursors !== undefined && cursors !== null) {
    const after = r.optionalString(r.record(cursors, 'paging.cursors'), 'after')
    if (after !== null) return after
  }
  // Meta's `next` points at its real host with the token in it: only its cursor is used, and the
  // next call is rebuilt on our own base URL.
  try {
    return new URL(next).searchParams.get('after')
  } catch {
    throw r.fail('"paging.next" must be a URL')
  }
}

/** Lists the Facebook Pages of a user with their Page tokens and linked Instagram accounts. */
export async function listPages(ctx: ClientContext, userToken: string): Promise<FacebookPage[]> {
  requireFacebookFlavor(ctx, 'listPages')
  const all: FacebookPage[] = []
  let after: string | null = null
  for (let i = 0; i < MAX_PAGE_LIST_PAGES; i++) {
    const request = listPagesRequest(ctx, userToken, after)
    const result = await withRetries(ctx, true, async () =>
      processPagesResponse(await sendRequest(ctx, request), responseContext(ctx, request)),
    )
    all.push(...result.pages)
    if (result.nextCursor === null || result.nextCursor === after) break
    after = result.nextCursor
  }
  return all
}

/** Reads `/{page-id}?fields=instagram_business_account`. */
export async function getInstagramBusinessAccount(
  ctx: ClientContext,
  pageId: string,
  token: string,
): Promise<{ id: string } | null> {
  requireFacebookFlavor(ctx, 'getInstagramBusinessAccount')
  const id = requireString(pageId, 'pageId')
  const value = requireString(token, 'token')
  const request: MetaRequest = {
    host: 'graph.facebook.com',
    path: fillPath(ctx, '/{version}/{page-id}', { 'page-id': id }),
    method: 'GET',
    query: {
      fields: 'instagram_business_account',
      ...tokenQuery(ctx, 'graph.facebook.com', value),
    },
    secrets: [ctx.appSecret, value],
  }
  return withRetries(ctx, true, async () => {
    const response = await sendRequest(ctx, request)
    const rctx = responseContext(ctx, request)
    const { body } = await readMetaJson(response, rctx)
    const r = new WireReader(rctx, response.status)
    const ig = r.record(body, 'body')['instagram_business_account']
    if (ig === undefined || ig === null) return null
    return { id: r.id(r.record(ig, 'instagram_business_account'), 'id') }
  })
}

/** The IG user id behind a Facebook token: the first Page with a linked Instagram account. */
export async function resolveInstagramUserId(ctx: ClientContext, token: string): Promise<string> {
  const pages = await listPages(ctx, token)
  const page = pages.find((p) => p.instagramBusinessAccount !== null)
  if (page?.instagramBusinessAccount == null) {
    throw new BrokerError(
      IGB_NO_INSTAGRAM_ACCOUNT,
      'none of the facebook pages of this token has a linked instagram professional account',
      { action: 'permission' },
    )
  }
  return page.instagramBusinessAccount.id
}
