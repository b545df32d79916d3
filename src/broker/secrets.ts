import { createHash, timingSafeEqual } from 'node:crypto'

// One home for how a secret is made and stored: the store's (the edges reach it through here).
export { randomToken as randomSecret, sha256Hex } from '../store/index.js'

/** Constant-time equality of two strings of any length (compares their digests). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(a).digest(),
    createHash('sha256').update(b).digest(),
  )
}
