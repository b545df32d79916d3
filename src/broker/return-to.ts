import { ServiceError } from './service-error.js'

const REFUSED = '"return_to" must be a path on this site, such as /done'
const OFF_ORIGIN =
  '"return_to" must be a path on this site or a URL on an allowed origin (IGTOKEN_CONNECT_LINK_RETURN_ORIGINS)'

/**
 * Accepts only a same-origin path, or an absolute http(s) URL on an allowed origin (the public
 * URL's or one listed in `IGTOKEN_CONNECT_LINK_RETURN_ORIGINS`), for the post-connect redirect,
 * so /connect cannot be used as an open redirector. Returns the normalised path or URL, or
 * undefined when none was given.
 *
 * The checks run on the normalised result too: `new URL()` collapses dot segments, so `/.//x`
 * or `/a/..//x` turn into `//x` — a protocol-relative URL a browser would take off-site.
 * @param allowedOrigins - origins besides `publicUrl`'s an absolute URL may name
 */
export function checkReturnTo(
  returnTo: string | undefined,
  publicUrl: string,
  allowedOrigins: readonly string[] = [],
): string | undefined {
  if (returnTo === undefined || returnTo === '') return undefined
  const origin = new URL(publicUrl).origin
  // Backslashes and control characters are read as "//" by some browsers: refuse them outright.
  if (returnTo.includes('\\') || hasControlCharacter(returnTo)) {
    throw new ServiceError('return_to_refused', REFUSED)
  }
  if (/^https?:\/\//i.test(returnTo)) return checkAbsolute(returnTo, [origin, ...allowedOrigins])
  if (!isPlainPath(returnTo)) throw new ServiceError('return_to_refused', REFUSED)
  const resolved = new URL(returnTo, origin)
  const path = resolved.pathname + resolved.search + resolved.hash
  if (resolved.origin !== origin || !isPlainPath(path) || path.includes('\\')) {
    throw new ServiceError('return_to_refused', REFUSED)
  }
  return path
}

/**
 * Where to send the browser after connect: always an absolute URL on the service's own origin or
 * an allowed one, never a bare path a browser could read as protocol-relative.
 * @param path - a path or URL {@link checkReturnTo} accepted (as stored)
 * @param publicUrl - `IGTOKEN_PUBLIC_URL`
 * @param allowedOrigins - `IGTOKEN_CONNECT_LINK_RETURN_ORIGINS`
 * @throws {ServiceError} `return_to_refused` when the stored value is no longer allowed
 */
export function returnToUrl(
  path: string,
  publicUrl: string,
  allowedOrigins: readonly string[] = [],
): string {
  const checked = checkReturnTo(path, publicUrl, allowedOrigins)
  if (checked === undefined) throw new ServiceError('return_to_refused', REFUSED)
  return new URL(checked, new URL(publicUrl).origin).href
}

function checkAbsolute(text: string, origins: readonly string[]): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ServiceError('return_to_refused', OFF_ORIGIN)
  }
  if (url.username !== '' || url.password !== '' || !origins.includes(url.origin)) {
    throw new ServiceError('return_to_refused', OFF_ORIGIN)
  }
  return url.href
}

function isPlainPath(text: string): boolean {
  return text.startsWith('/') && !text.startsWith('//')
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true
  return false
}
