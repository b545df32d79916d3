import type { FeedPublisher } from '../broker/feeds.js'
import type { LeanHandler } from './lean-server.js'
import { countRequest } from './plugins/metrics.js'
import type { Metrics } from './plugins/metrics.js'
import { STALE_HEADER, matches } from './routes/feeds.js'

const FEED_PATH = /^\/feeds\/([A-Za-z0-9_-]{1,128})\.json$/
const ROUTE = '/feeds/:id.json'

/**
 * The public feed's lean path: `GET /feeds/<id>.json` (no query string) whose copy is fresh in the
 * publisher's cache is answered here, before Fastify — no request id, child logger, root hooks or
 * reply object, which were most of the route's cost (docs/benchmarks.md, "Feeds"). It writes the
 * same headers as the Fastify route (`routes/feeds.ts`; a test compares the two byte for byte)
 * and counts the answer in `igtoken_http_requests_total`. Anything else — another method, a query
 * string (the `_` cache-buster), a miss, an expired or stale copy — returns false and is served by
 * the Fastify route, which loads the copy.
 * @param publisher - the feed cache (shared with the route, so invalidation applies to both)
 * @param metrics - the service's metrics
 */
export function leanFeedPath(publisher: FeedPublisher, metrics: Metrics): LeanHandler {
  const cacheControl = `public, max-age=${Math.max(1, Math.floor(publisher.refreshMs / 1000))}`
  return (request, response) => {
    if (request.method !== 'GET') return false
    const match = FEED_PATH.exec(request.url ?? '')
    const id = match?.[1]
    if (id === undefined) return false
    const copy = publisher.peek(id)
    if (copy === undefined) return false
    const started = performance.now()
    const headers: Record<string, string> = { vary: 'Origin' }
    const origin = request.headers.origin
    if (origin !== undefined && copy.allowedOrigins.includes(origin)) {
      headers['access-control-allow-origin'] = origin
      headers['access-control-expose-headers'] = `ETag, ${STALE_HEADER}`
    }
    headers['etag'] = copy.etag
    headers['cache-control'] = cacheControl
    headers['cross-origin-resource-policy'] = 'cross-origin'
    headers['x-content-type-options'] = 'nosniff'
    headers['content-security-policy'] = "default-src 'none'; frame-ancestors 'none'"
    headers['referrer-policy'] = 'no-referrer'
    let status = 200
    if (matches(request.headers['if-none-match'], copy.etag)) {
      status = 304
      response.writeHead(304, headers).end()
    } else {
      headers['content-type'] = 'application/json; charset=utf-8'
      headers['content-length'] = String(Buffer.byteLength(copy.body))
      response.writeHead(200, headers).end(copy.body)
    }
    countRequest(
      metrics,
      { method: 'GET', route: ROUTE, status },
      (performance.now() - started) / 1000,
    )
    return true
  }
}
