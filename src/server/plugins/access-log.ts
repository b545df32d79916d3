import { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { redactUrl } from '../redact.js'

/** What one access line says about a request; every field is safe to log as it is. */
export interface AccessLine {
  readonly id: string
  readonly method: string
  /** The URL as sent: {@link writeAccessLine} redacts it. */
  readonly url: string
  readonly ip: string | undefined
  readonly statusCode: number
  /** Milliseconds from the request to the answer. */
  readonly responseTime: number
}

/** The access logger of a service logger: see {@link writeAccessLine}. */
export function accessLogger(log: FastifyBaseLogger): FastifyBaseLogger {
  // Its lines hold only an AccessLine's fields, the URL redacted: no redact pass is needed, and
  // `req` is already in its logged form.
  return log.child({}, { redact: [], serializers: { req: (req: unknown) => req } })
}

/**
 * Writes the one access line of a request (`request completed`, at `info`) — the one format of
 * the Fastify routes ({@link AccessLogController}) and the lean paths. The service's redact
 * wildcards walked every line and, with Fastify's second line per request, were a third of a
 * cached token read's CPU (docs/benchmarks.md, "Token API at the defaults").
 * @param log - from {@link accessLogger}
 */
export function writeAccessLine(log: FastifyBaseLogger, line: AccessLine): void {
  if (!enabled(log, 'info')) return
  log.info(
    {
      reqId: line.id,
      req: { method: line.method, url: redactUrl(line.url), ip: line.ip },
      res: { statusCode: line.statusCode },
      responseTime: line.responseTime,
    },
    'request completed',
  )
}

/**
 * Fastify's request lines, one per request: `incoming request` moves to `debug`, and a request
 * that completes writes {@link writeAccessLine}'s line instead of Fastify's
 * `request completed`. A failed response (the socket broke) is still logged at `error` through
 * the redacting request logger.
 */
export class AccessLogController extends LogController {
  #lines: FastifyBaseLogger | undefined

  override incomingRequest(request: FastifyRequest): void {
    if (enabled(request.log, 'debug')) request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      )
      return
    }
    this.#lines ??= accessLogger(request.server.log)
    writeAccessLine(this.#lines, {
      id: request.id,
      method: request.method,
      url: request.url,
      ip: request.ip,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    })
  }
}

/** pino's level check; a logger without one (a test's own instance) is asked every time. */
function enabled(log: FastifyBaseLogger, level: 'debug' | 'info'): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled
  return check === undefined || check.call(log, level)
}
