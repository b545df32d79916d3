import { createHash, timingSafeEqual } from 'node:crypto'
import { randomSecret } from '../../broker/secrets.js'

/** A sign-in link that works once (demo mode prints it at start). */
export interface OneTimeSignInLink {
  /** The secret part of the link; only the service's start banner shows it. */
  readonly token: string
  /**
   * Uses the link up.
   * @returns true the first time it is presented with the right token, false ever after
   */
  consume(presented: string | undefined): boolean
}

/** Makes a {@link OneTimeSignInLink} (kept in memory: demo mode runs one process). */
export function createSignInLink(): OneTimeSignInLink {
  const token = randomSecret(32)
  const expected = createHash('sha256').update(token).digest()
  let used = false
  return {
    token,
    consume(presented) {
      if (used || typeof presented !== 'string') return false
      const digest = createHash('sha256').update(presented).digest()
      if (!timingSafeEqual(digest, expected)) return false
      used = true
      return true
    },
  }
}
