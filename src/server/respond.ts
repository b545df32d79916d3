import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ServiceError } from '../broker/service-error.js'
import { errorBody, httpStatusOf } from './errors.js'
import { renderPage } from './views.js'

export { errorBody } from './errors.js'

/** True when the client asked for JSON rather than a page (Accept header or `?format=json`). */
export function wantsJson(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined
  if (query?.['format'] === 'json') return true
  const accept = request.headers.accept ?? ''
  const json = accept.indexOf('application/json')
  const html = accept.indexOf('text/html')
  return json !== -1 && (html === -1 || json < html)
}

/** Sends a failure as a page with a way back, or as JSON when asked. */
export function sendFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  error: ServiceError,
  options: { title?: string; linkHref?: string; linkText?: string; brand?: string } = {},
): FastifyReply {
  reply.code(httpStatusOf(error))
  if (wantsJson(request)) return reply.send(errorBody(error))
  return reply.type('text/html; charset=utf-8').send(
    renderPage('./message', {
      title: options.title ?? 'Something went wrong',
      brand: options.brand,
      message: capitalise(error.message),
      code: error.code,
      failed: true,
      linkHref: options.linkHref ?? '/connect',
      linkText: options.linkText ?? 'Try again',
    }),
  )
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.')
}
