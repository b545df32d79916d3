// The cipher alone: the store's index would load the database driver for one random key.
import { generateKey } from '../store/cipher.js'

export { generateKey }

/**
 * A fresh `kid:base64` key for IGTOKEN_ENCRYPTION_KEYS, its id naming the day it was made (so a
 * rotation shows which key is older). For the CLI, which does not reach the store itself.
 */
export function newEncryptionKey(now: Date = new Date()): string {
  return generateKey(`k${now.toISOString().slice(0, 10).replaceAll('-', '')}`)
}
