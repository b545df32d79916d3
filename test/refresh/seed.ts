// Store functions the rig seeds with, in one place.
import { nextRefreshAt } from '../../src/broker/refresh-policy.js'
export { createApiKey, generateKey, saveToken, upsertAccount } from '../../src/store/index.js'

/** The policy's due time for a freshly seeded Instagram token (no jitter). */
export function nextRefreshAtForSeed(issuedAt: number, expiresAt: number): number | null {
  return nextRefreshAt({ kind: 'instagram_long_lived', issuedAt, expiresAt }, 0)
}
