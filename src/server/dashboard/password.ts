import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** An scrypt hash of the operators' password, made once at start; the password is not kept. */
export interface PasswordHash {
  readonly salt: Buffer
  readonly digest: Buffer
}

const KEY_LENGTH = 32
// N=2^15 costs ~50 ms per guess: cheap for a person signing in, expensive for a guesser.
const PARAMS = { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, PARAMS, (error, key) => {
      if (error === null) resolve(key)
      else reject(error)
    })
  })
}

/**
 * Hashes the operators' password with scrypt and a random salt.
 * @param password - `IGTOKEN_ADMIN_PASSWORD`
 */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16)
  return { salt, digest: await derive(password, salt) }
}

/**
 * Checks a presented password against the hash, in constant time.
 * @param hash - from {@link hashPassword}
 * @param presented - what the form sent (any string)
 * @returns true when it is the password
 */
export async function verifyPassword(hash: PasswordHash, presented: string): Promise<boolean> {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 1024) {
    return false
  }
  const digest = await derive(presented, hash.salt)
  return timingSafeEqual(digest, hash.digest)
}
