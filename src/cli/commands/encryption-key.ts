// Not app/operations: that would load the database driver for one random key.
import { generateKey } from '../../app/encryption-key.js'

/** `igtoken encryption-key`: a fresh `kid:base64` key for IGTOKEN_ENCRYPTION_KEYS. */
export function encryptionKeyCommand(): void {
  const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`
  process.stdout.write(`${generateKey(id)}\n`)
}
