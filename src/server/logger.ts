import type { FastifyServerOptions } from 'fastify'
import { stdSerializers } from 'pino'
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
    ...(stream === undefined ? {} : { stream }),
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
