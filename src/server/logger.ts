import type { FastifyServerOptions } from 'fastify'
import { destination, stdSerializers } from 'pino'
import { REDACT_PATHS, redactUrl } from './redact.js'

/**
 * The pino options the service logs with: JSON lines, secrets redacted, query secrets masked,
 * never a raw request packet.
 */
export function loggerOptions(
  level: string,
  stream?: NodeJS.WritableStream,
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Stdout by default, written asynchronously: lines logged while a write is under way go out
    // together in the next one, instead of one blocking write per line (pino flushes what is
    // left when the process exits).
    stream: stream ?? destination({ dest: 1, sync: false }),
    serializers: {
      // Node's parse errors carry `rawPacket`, the request's bytes (keys, cookies, codes in
      // clear): pino's error serializer would copy it into the line, so it is dropped here.
      err(error: Error) {
        const serialized = { ...stdSerializers.err(error) }
        delete serialized['rawPacket']
        return serialized
      },
      req(req: { method: string; url: string; id: string; ip?: string }) {
        return { method: req.method, url: redactUrl(req.url), id: req.id, ip: req.ip }
      },
    },
  }
}
