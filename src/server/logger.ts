import type { FastifyServerOptions } from 'fastify'
import { destination, stdSerializers } from 'pino'
import { REDACT_PATHS, redactUrl } from './redact.js'

/** Log lines are written once this many bytes have gathered, */
const LOG_BATCH_BYTES = 4096
/** or after this long (ms), whichever comes first. */
const LOG_FLUSH_MS = 250

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
    // Stdout by default, written in batches: lines are held until 4 KB or a quarter of a second
    // has gathered, then written in one synchronous write (a blocking write per line was a tenth of a token read's CPU), and
    // pino writes what is left when the process exits.
    stream:
      stream ??
      destination({
        dest: 1,
        sync: true,
        minLength: LOG_BATCH_BYTES,
        periodicFlush: LOG_FLUSH_MS,
      }),
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
