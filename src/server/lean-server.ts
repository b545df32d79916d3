import { createServer } from 'node:http'
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'

/** Answers a request itself, or returns false to hand it to Fastify. */
export type LeanHandler = (request: IncomingMessage, response: ServerResponse) => boolean

/**
 * A Fastify `serverFactory` that offers each request to the lean handlers first (the public feed's
 * and the token API's cached answers), then to Fastify: the HTTP server Fastify would create, with
 * the same timeouts applied (Fastify applies them only to servers it creates).
 * @param handlers - the lean handlers, once the app has built them (until then, none)
 */
export function leanServerFactory(
  handlers: () => readonly LeanHandler[],
): (handler: RequestListener, options: Record<string, unknown>) => Server {
  return (handler, options) => {
    const server = createServer((request, response) => {
      for (const lean of handlers()) if (lean(request, response)) return
      handler(request, response)
    })
    server.keepAliveTimeout = Number(options['keepAliveTimeout'])
    server.requestTimeout = Number(options['requestTimeout'])
    server.setTimeout(Number(options['connectionTimeout']))
    const perSocket = Number(options['maxRequestsPerSocket'])
    if (perSocket > 0) server.maxRequestsPerSocket = perSocket
    return server
  }
}
