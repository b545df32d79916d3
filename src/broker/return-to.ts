import { ServiceError } from './service-error.js'

const REFUSED = '"return_to" must be a path on this site, such as /done'

/**
 * Accepts only a same-origin path for the post-connect redirect, so /connect cannot be used as an
 * open redirector. Returns the normalised path, or undefined when none was given.
 *
 * The checks run on the normalised result too: `new URL()` collapses dot segments, so `/.//x`
 * or `/a/..//x` turn into `//x` — a protocol-relative URL a browser would take off-site.
 */
export function checkReturnTo(returnTo: string | undefined, publicUrl: string): string | undefined {
  if (returnTo === undefined || returnTo === '') return undefined
  const origin = new URL(publicUrl).origin
  // Backslashes and control characters are read as "//" by some browsers: refuse them outright.
  if (!isPlainPath(returnTo) || returnTo.includes('\\') || hasControlCharacter(returnTo)) {
    throw new ServiceError('return_to_refused', REFUSED)
  }
  const resolved = new URL(returnTo, origin)
  const path = resolved.pathname + resolved.search + resolved.hash
  if (resolved.origin !== origin || !isPlainPath(path) || path.includes('\\')) {
    throw new ServiceError('return_to_refused', REFUSED)
  }
  return path
}

/**
 * Where to send the browser after connect: always an absolute URL on the service's own origin,
 * never a bare path a browser could read as protocol-relative.
 * @param path - a path {@link checkReturnTo} accepted (as stored)
 * @param publicUrl - `IGTOKEN_PUBLIC_URL`
 * @throws {ServiceError} `return_to_refused` when the stored path does not stay on the origin
 */
export function returnToUrl(path: string, publicUrl: string): string {
  const checked = checkReturnTo(path, publicUrl)
  if (checked === undefined) throw new ServiceError('return_to_refused', REFUSED)
  return new URL(checked, new URL(publicUrl).origin).href
}

function isPlainPath(text: string): boolean {
  return text.startsWith('/') && !text.startsWith('//')
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true
  return false
}
