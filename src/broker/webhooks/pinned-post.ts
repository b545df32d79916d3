import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import type { CheckedDestination } from './destination.js'

/** The answer to a delivery POST: its status only (the body is never read). */
export interface PostAnswer {
  readonly status: number
}

/** A POST that failed before an answer: no connection, or no answer in time. */
export class PostFailedError extends Error {
  override name = 'PostFailedError'
  readonly code: string
  /** @param code - `timeout` or the system error code (ECONNREFUSED, …) */
  constructor(code: string) {
    super(code === 'timeout' ? 'no answer in time' : `could not connect (${code})`)
    this.code = code
  }
}

/**
 * POSTs a delivery to the address checked by `checkDestination`, never to whatever the name
 * resolves to by the time the socket opens (DNS rebinding). TLS still verifies the certificate
 * for the URL's host name. Redirects are not followed.
 * @throws {PostFailedError}
 */
export function postPinned(
  destination: CheckedDestination,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
): Promise<PostAnswer> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (typeof options === 'object' && options.all === true) {
      ;(callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: destination.address, family: destination.family },
      ])
    } else callback(null, destination.address, destination.family)
  }
  const url = destination.url
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<PostAnswer>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      lookup: pinned,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      timeout: timeoutMs,
      agent: false,
    })
    const timer = setTimeout(() => req.destroy(new PostFailedError('timeout')), timeoutMs)
    req.on('timeout', () => req.destroy(new PostFailedError('timeout')))
    req.on('response', (res) => {
      clearTimeout(timer)
      res.resume()
      resolve({ status: res.statusCode ?? 0 })
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(error instanceof PostFailedError ? error : new PostFailedError(error.code ?? 'error'))
    })
    req.end(body)
  })
}
