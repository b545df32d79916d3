import type { FastifyServerOptions } from 'fastify'
import { REDACT_PATHS, redactUrl } from './redact.js'

/** The pino options the service logs with: JSON lines, secrets redacted, query secrets masked. */
export function loggerOptions(
  level: string,
  stream?: NodeJS.WritableStream,
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(stream === undefined ? {} : { stream }),
    serializers: {
      req(req: { method: string; url: string; id: string; ip?: string }) {
        return { method: req.method, url: redactUrl(req.url), id: req.id, ip: req.ip }
      },
    },
  }
}
