import type { FastifyInstance } from 'fastify'
import type { Socket } from 'node:net'

/** What Node hands the `clientError` listener: an error that may carry the raw request bytes. */
interface ClientError extends Error {
  readonly code?: string
}

// The status a malformed request earns: a slow client 408, oversized headers 431, the rest 400.
const STATUS: Readonly<Record<string, readonly [number, string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
}

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse is answered and closed.
 *
 * Fastify's default logs the whole error at trace level, and Node's parse errors carry
 * `rawPacket` — the request's bytes, with its Bearer key, cookies, `code` and `state` in clear.
 * This handler logs only the error code: nothing the client sent reaches a log line.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: ClientError,
  socket: Socket,
): void {
  // A reset connection is already gone; there is nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, reason] = STATUS[error.code ?? ''] ?? [400, 'Bad Request']
  this.log.debug({ clientError: error.code ?? 'unknown', status }, 'malformed request refused')
  if (socket.writable) {
    const body = JSON.stringify({
      error: { code: 'invalid_request', message: 'malformed request' },
    })
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  // Whatever the client still sends is never read: the connection is done.
  socket.destroySoon()
}
