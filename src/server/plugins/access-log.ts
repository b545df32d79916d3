import { LogController } from 'fastify'
import { symbols } from 'pino'
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

/** Where access lines go: see {@link accessLogger}. */
export interface AccessLogger {
  readonly log: FastifyBaseLogger
  /** pino's own line parts, when the line may be written without pino's generic formatting. */
  readonly raw?: {
    readonly write: (line: string) => void
    readonly time: () => string
    readonly bindings: string
  }
}

/**
 * The access logger of a service logger. With `ours` (the logger `loggerOptions` made: pino's
 * default formatters, `msg` as the message key, no mixin), the line is put together here from
 * pino's own time and bindings and handed to its stream: pino's generic formatting of each line
 * was a fifth of a cached token read's CPU (docs/benchmarks.md, "Token API at the defaults");
 * `test/server/access-log.test.ts` checks the two forms give the same line.
 * @param ours - false for a logger instance given from outside (a test's): it is asked as usual
 */
export function accessLogger(log: FastifyBaseLogger, ours: boolean): AccessLogger {
  // Its lines hold only an AccessLine's fields, the URL redacted: no redact pass is needed, and
  // `req` is already in its logged form.
  const child = log.child({}, { redact: [], serializers: { req: (req: unknown) => req } })
  const parts = child as unknown as Record<symbol, unknown>
  const stream = parts[symbols.streamSym] as { write?: unknown } | undefined
  const time = parts[symbols.timeSym]
  const bindings = parts[symbols.chindingsSym]
  if (
    !ours ||
    typeof stream?.write !== 'function' ||
    typeof time !== 'function' ||
    typeof bindings !== 'string'
  ) {
    return { log: child }
  }
  const write = stream.write as (line: string) => unknown
  return {
    log: child,
    raw: {
      write: (line) => {
        write.call(stream, line)
      },
      time: time as () => string,
      bindings,
    },
  }
}

/**
 * Writes the one access line of a request (`request completed`, at `info`) — the one format of
 * the Fastify routes ({@link AccessLogController}) and the lean paths. The service's redact
 * wildcards walked every line and, with Fastify's second line per request, were a third of a
 * cached token read's CPU (docs/benchmarks.md, "Token API at the defaults").
 * @param to - from {@link accessLogger}
 */
export function writeAccessLine(to: AccessLogger, line: AccessLine): void {
  if (!enabled(to.log, 'info')) return
  const url = redactUrl(line.url)
  if (to.raw !== undefined) {
    const ip = line.ip === undefined ? '' : `,"ip":${JSON.stringify(line.ip)}`
    to.raw.write(
      `{"level":${INFO}${to.raw.time()}${to.raw.bindings},"reqId":${JSON.stringify(line.id)},` +
        `"req":{"method":${JSON.stringify(line.method)},"url":${JSON.stringify(url)}${ip}},` +
        `"res":{"statusCode":${line.statusCode}},"responseTime":${line.responseTime},` +
        `"msg":"request completed"}\n`,
    )
    return
  }
  to.log.info(
    {
      reqId: line.id,
      req: { method: line.method, url, ip: line.ip },
      res: { statusCode: line.statusCode },
      responseTime: line.responseTime,
    },
    'request completed',
  )
}

/** pino's number for `info`. */
const INFO = 30

/**
 * Fastify's request lines, one per request: `incoming request` moves to `debug`, and a request
 * that completes writes {@link writeAccessLine}'s line instead of Fastify's
 * `request completed`. A failed response (the socket broke) is still logged at `error` through
 * the redacting request logger.
 */
export class AccessLogController extends LogController {
  readonly #ours: boolean
  #lines: AccessLogger | undefined

  /** @param ours - see {@link accessLogger} */
  constructor(ours: boolean) {
    super()
    this.#ours = ours
  }

  /** The one access logger of the app (made on first use): the lean paths write through it too. */
  lines(log: FastifyBaseLogger): AccessLogger {
    this.#lines ??= accessLogger(log, this.#ours)
    return this.#lines
  }

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
    writeAccessLine(this.lines(request.server.log), {
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
