import { createHmac, timingSafeEqual } from 'node:crypto'

import {
  IGB_SIGNED_REQUEST_BAD_ALGORITHM,
  IGB_SIGNED_REQUEST_BAD_SIGNATURE,
  IGB_SIGNED_REQUEST_EXPIRED,
  IGB_SIGNED_REQUEST_MALFORMED,
} from './error-codes.js'
import { BrokerError, invalidArgType, invalidArgValue } from './errors.js'
import { parseMetaJson } from './meta-json.js'

/** The verified payload of a `signed_request` (deauthorize and data-deletion callbacks). */
export interface SignedRequestPayload {
  /** App-scoped user id, every digit kept. */
  readonly user_id: string
  readonly algorithm: 'HMAC-SHA256'
  /** Unix seconds. */
  readonly issued_at: number
  /** Unix seconds, when Meta sends it. */
  readonly expires?: number
  /** Every other field, as sent. */
  readonly [field: string]: unknown
}

/** Options of {@link verifySignedRequest}. */
export interface VerifySignedRequestOptions {
  /** Reject a payload whose `issued_at` is older than this. */
  readonly maxAgeSeconds?: number
  /** Clock in epoch ms (default `Date.now`). */
  readonly now?: () => number
}

// Meta signs with unpadded base64url, but its own SDKs decode with `-_` turned into `+/` and
// padding allowed, and live callbacks have been seen with a `=` appended: accept both alphabets
// and padding, and nothing else.
const BASE64_ANY = /^[A-Za-z0-9+/_-]*={0,2}$/

function decodeBase64Url(part: string, what: string): Buffer {
  const unpadded = part.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  if (!BASE64_ANY.test(part) || unpadded.length % 4 === 1) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_MALFORMED,
      `the signed_request ${what} is not base64url`,
    )
  }
  const bytes = Buffer.from(unpadded, 'base64url')
  // Node ignores stray low bits in the last character: insist on the one canonical spelling so
  // that no altered character still verifies.
  if (bytes.toString('base64url') !== unpadded) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_MALFORMED,
      `the signed_request ${what} is not base64url`,
    )
  }
  return bytes
}

function secretList(secrets: string | readonly string[]): readonly string[] {
  const list: unknown = typeof secrets === 'string' ? [secrets] : secrets
  if (!Array.isArray(list))
    throw invalidArgType('"secrets" must be a string or an array of strings')
  if (list.length === 0) throw invalidArgValue('"secrets" must not be empty')
  for (const s of list as readonly unknown[]) {
    if (typeof s !== 'string' || s === '')
      throw invalidArgValue('"secrets" must hold non-empty strings')
  }
  return list as readonly string[]
}

/**
 * Verifies a `signed_request` form field from Meta: `base64url(sig).base64url(payload)`, with
 * `sig = HMAC-SHA256(app secret, encoded payload)`; standard base64 and `=` padding are read too.
 * Any of several secrets may verify (key rotation, or both the Meta and the Instagram app secret
 * while it is unconfirmed which signs).
 *
 * Error messages never include the value.
 *
 * @param value - The `signed_request` field.
 * @param secrets - One app secret or several.
 * @param options - `maxAgeSeconds` checks `issued_at`; `now` is the clock.
 * @throws BrokerError `IGB_SIGNED_REQUEST_MALFORMED`, `IGB_SIGNED_REQUEST_BAD_SIGNATURE`,
 * `IGB_SIGNED_REQUEST_BAD_ALGORITHM`, `IGB_SIGNED_REQUEST_EXPIRED`.
 * @see https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback/
 */
export function verifySignedRequest(
  value: string,
  secrets: string | readonly string[],
  options: VerifySignedRequestOptions = {},
): SignedRequestPayload {
  if (typeof value !== 'string') throw invalidArgType('"signed_request" must be a string')
  const keys = secretList(secrets)
  const { maxAgeSeconds, now = Date.now } = options
  if (maxAgeSeconds !== undefined && (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0)) {
    throw invalidArgValue('"maxAgeSeconds" must be a non-negative number')
  }
  const dot = value.indexOf('.')
  if (dot <= 0 || dot === value.length - 1) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_MALFORMED,
      'the signed_request must be two base64url parts joined by "."',
    )
  }
  const encodedSig = value.slice(0, dot)
  const encodedPayload = value.slice(dot + 1)
  const sig = decodeBase64Url(encodedSig, 'signature')
  const payloadBytes = decodeBase64Url(encodedPayload, 'payload')

  // The HMAC runs over the payload as sent (still encoded), not over the decoded JSON.
  let verified = false
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(encodedPayload).digest()
    if (sig.length === expected.length && timingSafeEqual(sig, expected)) verified = true
  }
  if (!verified) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_BAD_SIGNATURE,
      'the signed_request signature does not match the app secret',
    )
  }

  let payload: unknown
  try {
    payload = parseMetaJson(payloadBytes.toString('utf8'))
  } catch {
    throw new BrokerError(IGB_SIGNED_REQUEST_MALFORMED, 'the signed_request payload is not json')
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_MALFORMED,
      'the signed_request payload is not a json object',
    )
  }
  const fields = payload as Record<string, unknown>
  if (fields['algorithm'] !== 'HMAC-SHA256') {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_BAD_ALGORITHM,
      'the signed_request "algorithm" must be "HMAC-SHA256"',
    )
  }
  const issuedAt = fields['issued_at']
  if (typeof issuedAt !== 'number' || !Number.isFinite(issuedAt)) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_MALFORMED,
      'the signed_request "issued_at" must be a number',
    )
  }
  const rawUser = fields['user_id']
  const userId =
    typeof rawUser === 'number' && Number.isSafeInteger(rawUser) ? String(rawUser) : rawUser
  if (typeof userId !== 'string' || userId === '') {
    throw new BrokerError(IGB_SIGNED_REQUEST_MALFORMED, 'the signed_request "user_id" is missing')
  }
  const expires = fields['expires']
  if (expires !== undefined && (typeof expires !== 'number' || !Number.isFinite(expires))) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_MALFORMED,
      'the signed_request "expires" must be a number',
    )
  }
  if (maxAgeSeconds !== undefined && now() - issuedAt * 1000 > maxAgeSeconds * 1000) {
    throw new BrokerError(
      IGB_SIGNED_REQUEST_EXPIRED,
      `the signed_request was issued more than ${maxAgeSeconds} seconds ago ("issued_at")`,
    )
  }
  return { ...fields, user_id: userId, algorithm: 'HMAC-SHA256', issued_at: issuedAt }
}

/**
 * Makes a `signed_request` the way Meta does (unpadded base64url), for tests and the emulator.
 * `algorithm` defaults to `HMAC-SHA256` and `issued_at` to the current time.
 *
 * @param payload - Fields of the payload (`user_id` at least).
 * @param secret - The app secret to sign with.
 * @param options - `now`: clock in epoch ms for the default `issued_at`.
 */
export function encodeSignedRequest(
  payload: Readonly<Record<string, unknown>>,
  secret: string,
  options: { readonly now?: () => number } = {},
): string {
  if (typeof payload !== 'object') throw invalidArgType('"payload" must be an object')
  if (typeof secret !== 'string' || secret === '')
    throw invalidArgValue('"secret" must be a non-empty string')
  const full = {
    algorithm: 'HMAC-SHA256',
    issued_at: Math.floor((options.now ?? Date.now)() / 1000),
    ...payload,
  }
  const encodedPayload = Buffer.from(JSON.stringify(full), 'utf8').toString('base64url')
  const sig = createHmac('sha256', secret).update(encodedPayload).digest('base64url')
  return `${sig}.${encodedPayload}`
}
