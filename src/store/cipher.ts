import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

import {
  IGB_DECRYPT_FAILED,
  IGB_KEY_MISSING,
  IGB_KEYRING_INVALID,
  StoreError,
  invalidArgument,
} from './store-error.js'

/** A value encrypted at rest: the id of the key that sealed it and the compact ciphertext. */
export interface Sealed {
  /** Id of the keyring entry that sealed the value. */
  readonly keyId: string
  /** `v1.<iv>.<tag>.<ct>`, each part base64url. */
  readonly ciphertext: string
}

/** The result of opening a {@link Sealed} value. */
export interface Opened {
  /** The decrypted UTF-8 text. Never log it. */
  readonly plaintext: string
  /** True when the value was sealed with a key other than the first: re-seal it soon. */
  readonly renew: boolean
}

/** One keyring entry. */
export interface KeyringEntry {
  /** `[A-Za-z0-9_-]+`, unique within the ring. */
  readonly id: string
  /** Exactly 32 bytes of key material. */
  readonly key: Uint8Array
}

/**
 * AES-256-GCM keys for encryption at rest. The first key seals, every key opens; `open` reports
 * `renew` so rows sealed under an older key can be moved forward.
 */
export interface Keyring {
  /** The id of the key that seals. */
  readonly primaryKeyId: string
  /** Every key id, the sealing one first. */
  readonly keyIds: readonly string[]
  /** Whether the ring holds `keyId`. */
  has(keyId: string): boolean
  /**
   * Encrypts with the first key.
   * @param plaintext - the secret
   * @param aad - the identity of the row it is stored in, so it cannot be moved elsewhere
   */
  seal(plaintext: string, aad: string): Sealed
  /**
   * Decrypts with the key named by `sealed.keyId`.
   * @param sealed - what {@link Keyring.seal} returned
   * @param aad - the same row identity given to `seal`
   * @throws StoreError `IGB_KEY_MISSING` when the key id is not in the ring
   * @throws StoreError `IGB_DECRYPT_FAILED` when authentication fails
   */
  open(sealed: Sealed, aad: string): Opened
}

const FORMAT_VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
// Standard or URL-safe alphabet, optional padding; length is checked after decoding.
const BASE64_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/

/**
 * Builds a keyring from entries (the first one seals).
 * @param entries - at least one; ids unique, keys exactly 32 bytes
 * @throws StoreError `IGB_KEYRING_INVALID` naming the offending key id, never the key
 */
export function createKeyring(entries: readonly KeyringEntry[]): Keyring {
  const first = entries[0]
  if (first === undefined) {
    throw new StoreError(IGB_KEYRING_INVALID, 'the keyring needs at least one key')
  }
  const keys = new Map<string, Buffer>()
  for (const entry of entries) {
    if (!KEY_ID_PATTERN.test(entry.id)) {
      throw new StoreError(
        IGB_KEYRING_INVALID,
        `key id ${JSON.stringify(entry.id.slice(0, 64))} must match [A-Za-z0-9_-]+ (at most 64 characters)`,
      )
    }
    if (keys.has(entry.id)) {
      throw new StoreError(IGB_KEYRING_INVALID, `key id "${entry.id}" appears more than once`)
    }
    if (entry.key.byteLength !== KEY_BYTES) {
      throw new StoreError(
        IGB_KEYRING_INVALID,
        `key "${entry.id}" must be exactly ${KEY_BYTES} bytes (got ${entry.key.byteLength})`,
      )
    }
    keys.set(entry.id, Buffer.from(entry.key))
  }
  const primaryKeyId = first.id
  const keyIds = Object.freeze([...keys.keys()])

  return Object.freeze({
    primaryKeyId,
    keyIds,
    has: (keyId: string) => keys.has(keyId),
    seal(plaintext: string, aad: string): Sealed {
      if (typeof plaintext !== 'string') throw invalidArgument('"plaintext" must be a string')
      const key = keys.get(primaryKeyId)
      if (key === undefined) throw new Error('unreachable: primary key vanished')
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(Buffer.from(aad, 'utf8'))
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      const ciphertext = [FORMAT_VERSION, iv, tag, ct]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.')
      return { keyId: primaryKeyId, ciphertext }
    },
    open(sealed: Sealed, aad: string): Opened {
      const key = keys.get(sealed.keyId)
      if (key === undefined) {
        throw new StoreError(
          IGB_KEY_MISSING,
          `key id "${printableKeyId(sealed.keyId)}" is not in the keyring; add it back to IGTOKEN_ENCRYPTION_KEYS after the current first key`,
        )
      }
      const parts = sealed.ciphertext.split('.')
      const [version, ivText, tagText, ctText] = parts
      if (
        parts.length !== 4 ||
        version !== FORMAT_VERSION ||
        ivText === undefined ||
        tagText === undefined ||
        ctText === undefined
      ) {
        throw new StoreError(IGB_DECRYPT_FAILED, 'sealed value is not in the "v1" format')
      }
      const iv = Buffer.from(ivText, 'base64url')
      const tag = Buffer.from(tagText, 'base64url')
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new StoreError(IGB_DECRYPT_FAILED, 'sealed value has a malformed iv or tag')
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
        decipher.setAAD(Buffer.from(aad, 'utf8'))
        decipher.setAuthTag(tag)
        const plaintext = Buffer.concat([
          decipher.update(Buffer.from(ctText, 'base64url')),
          decipher.final(),
        ]).toString('utf8')
        return { plaintext, renew: sealed.keyId !== primaryKeyId }
      } catch (cause) {
        throw new StoreError(
          IGB_DECRYPT_FAILED,
          `sealed value failed authentication with key "${sealed.keyId}" (wrong key material, value moved from another row, or tampered)`,
          { cause },
        )
      }
    },
  })
}

/**
 * Parses the `IGTOKEN_ENCRYPTION_KEYS` format: `kid1:<base64 32 bytes>,kid2:<base64>`.
 * The first key seals; every key opens. Whitespace around entries is ignored.
 * @param value - the keyring string
 * @returns a frozen {@link Keyring}
 * @throws StoreError `IGB_KEYRING_INVALID` with a message that names the entry position or key
 *   id but never contains key material
 */
export function parseKeyring(value: string): Keyring {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StoreError(
      IGB_KEYRING_INVALID,
      'IGTOKEN_ENCRYPTION_KEYS is empty; expected "kid:<base64 of 32 bytes>[,kid2:<…>]"',
    )
  }
  const entries: KeyringEntry[] = []
  const pieces = value.split(',')
  pieces.forEach((raw, index) => {
    const piece = raw.trim()
    const position = `entry ${index + 1} of IGTOKEN_ENCRYPTION_KEYS`
    if (piece === '') {
      throw new StoreError(IGB_KEYRING_INVALID, `${position} is empty`)
    }
    const colon = piece.indexOf(':')
    if (colon <= 0) {
      throw new StoreError(
        IGB_KEYRING_INVALID,
        `${position} must look like "kid:<base64 of 32 bytes>" (missing key id or ":")`,
      )
    }
    const id = piece.slice(0, colon)
    const material = piece.slice(colon + 1)
    if (!KEY_ID_PATTERN.test(id)) {
      throw new StoreError(
        IGB_KEYRING_INVALID,
        `${position}: key id must match [A-Za-z0-9_-]+ (at most 64 characters)`,
      )
    }
    if (!BASE64_PATTERN.test(material)) {
      throw new StoreError(IGB_KEYRING_INVALID, `key "${id}" is not valid base64`)
    }
    // Node's base64 decoder accepts both alphabets.
    const key = Buffer.from(material, 'base64')
    if (key.length !== KEY_BYTES) {
      throw new StoreError(
        IGB_KEYRING_INVALID,
        `key "${id}" must decode to exactly ${KEY_BYTES} bytes (got ${key.length})`,
      )
    }
    entries.push({ id, key })
  })
  return createKeyring(entries)
}

/**
 * A fresh keyring entry ready to paste into `IGTOKEN_ENCRYPTION_KEYS`.
 * @param id - the key id; default `k` + the current UTC date and a random suffix
 * @returns `<id>:<base64 of 32 random bytes>`
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) when `id` is not `[A-Za-z0-9_-]+`
 */
export function generateKey(id?: string): string {
  const keyId =
    id ??
    `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(3).toString('hex')}`
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw invalidArgument('"id" must match [A-Za-z0-9_-]+ (at most 64 characters)')
  }
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`
}

// A key id read back from a row is data, not config: keep it short and printable in messages.
function printableKeyId(keyId: string): string {
  return KEY_ID_PATTERN.test(keyId) ? keyId : JSON.stringify(keyId.slice(0, 64))
}
