import { createHmac } from 'node:crypto'

import { invalidArgValue, requireString } from './errors.js'

/** The query parameters proving a call was made by the app's server. */
export interface AppSecretProof {
  /** `hex(HMAC-SHA256(app secret, token))`, or over `token|time` in the timed form. */
  readonly appsecret_proof: string
  /** The unix time (seconds) the timed proof was made for; absent in the untimed form. */
  readonly appsecret_time?: string
}

/**
 * Computes `appsecret_proof` for a Graph call.
 *
 * With `time` (unix seconds) it makes the time-stamped form of Meta's current Login Security
 * doc, `hex(HMAC-SHA256(secret, token + "|" + time))`, valid 5 minutes; without, the classic
 * `hex(HMAC-SHA256(secret, token))` (whether Meta still accepts it is unconfirmed).
 *
 * @param token - The access token sent with the call.
 * @param appSecret - The app secret.
 * @param options - `time`: integer unix seconds for the timed form.
 * @see https://developers.facebook.com/docs/facebook-login/security/
 */
export function computeAppSecretProof(
  token: string,
  appSecret: string,
  options: { readonly time?: number } = {},
): AppSecretProof {
  requireString(token, 'token')
  requireString(appSecret, 'appSecret')
  const { time } = options
  if (time === undefined) {
    return { appsecret_proof: createHmac('sha256', appSecret).update(token).digest('hex') }
  }
  if (!Number.isSafeInteger(time) || time < 0) {
    throw invalidArgValue('"time" must be a non-negative integer of unix seconds')
  }
  const stamp = String(time)
  return {
    appsecret_proof: createHmac('sha256', appSecret).update(`${token}|${stamp}`).digest('hex'),
    appsecret_time: stamp,
  }
}
