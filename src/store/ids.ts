import { hash, randomBytes } from 'node:crypto'

import { invalidArgument } from './store-error.js'

/**
 * A new random id such as `acc_Jx3…`: the prefix names the table, 16 random bytes make it
 * unguessable and collision-free across instances without a database sequence.
 * @param prefix - lower-case letters only, e.g. `acc`, `tok`, `evt`
 * @returns `<prefix>_<22 base64url characters>`
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) when the prefix is not lower-case letters
 */
export function newId(prefix: string): string {
  if (!/^[a-z]{1,8}$/.test(prefix)) {
    throw invalidArgument(`"prefix" must be 1 to 8 lower-case letters`)
  }
  return `${prefix}_${randomBytes(16).toString('base64url')}`
}

/**
 * A random URL-safe secret string (base64url of `bytes` random bytes).
 * @param bytes - how many random bytes, default 32
 */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * Lower-case hex SHA-256 of a UTF-8 string: how we store secrets we only ever need to recognise
 * (API keys, OAuth state, browser-binding cookies).
 * @param value - the secret
 */
export function sha256Hex(value: string): string {
  // The one-shot form: a Hash object per call was 3 % of a cached token read (rate-limit key).
  return hash('sha256', value, 'hex')
}
