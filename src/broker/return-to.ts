import { ServiceError } from './service-error.js'

/**
 * Accepts only a same-origin path for the post-connect redirect, so /connect cannot be used as an
 * open redirector. Returns the normalised path, or undefined when none was given.
 */
export function checkReturnTo(returnTo: string | undefined, publicUrl: string): string | undefined {
  if (returnTo === undefined || returnTo === '') return undefined
  const origin = new URL(publicUrl).origin
  // Backslashes and control characters are read as "//" by some browsers: refuse them outright.
  const looksLikePath = returnTo.startsWith('/') && !returnTo.startsWith('//')
  if (!looksLikePath || returnTo.includes('\\') || hasControlCharacter(returnTo)) {
    throw new ServiceError(
      'return_to_refused',
      '"return_to" must be a path on this site, such as /done',
    )
  }
  const resolved = new URL(returnTo, origin)
  if (resolved.origin !== origin) {
    throw new ServiceError(
      'return_to_refused',
      '"return_to" must be a path on this site, such as /done',
    )
  }
  return resolved.pathname + resolved.search + resolved.hash
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true
  return false
}
