import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header every delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-igtoken-signature'

/** How old a delivery's timestamp may be before a receiver refuses it, by default (5 minutes). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')
}

/**
 * Signs a delivery body: the HMAC-SHA256, keyed with the subscriber's secret, of
 * `"<timestamp>.<raw body>"`. Binding the timestamp into the MAC is what lets a receiver refuse
 * replays of an old delivery.
 * @param secret - the subscriber's secret
 * @param body - the exact bytes sent (UTF-8 JSON)
 * @param timestampSeconds - unix seconds of the attempt
 * @returns the `X-Igtoken-Signature` header value
 */
export function signWebhookDelivery(
  secret: string,
  body: string,
  timestampSeconds: number,
): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`
}

/** Why {@link verifyWebhookDelivery} refused a delivery. */
export type WebhookVerifyFailure = 'malformed' | 'stale' | 'bad_signature'

/**
 * Checks a delivery as a receiver should: the header parses, the timestamp is within `toleranceSeconds`
 * of `now`, and one of the `v1` MACs matches (compared in constant time).
 * @param secret - the subscriber's secret
 * @param header - the `X-Igtoken-Signature` value
 * @param body - the raw request body, exactly as received
 * @param options - `now` (epoch ms, default `Date.now()`) and `toleranceSeconds` (default 300)
 * @returns `{ ok: true, timestamp }` or `{ ok: false, reason }`
 */
export function verifyWebhookDelivery(
  secret: string,
  header: string | undefined,
  body: string,
  options: { readonly now?: number; readonly toleranceSeconds?: number } = {},
): { ok: true; timestamp: number } | { ok: false; reason: WebhookVerifyFailure } {
  if (typeof header !== 'string' || header.length > 1000) return { ok: false, reason: 'malformed' }
  let timestamp: number | undefined
  const candidates: string[] = []
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2)
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value))
      candidates.push(value)
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000)
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS
  if (Math.abs(nowSeconds - timestamp) > tolerance) return { ok: false, reason: 'stale' }
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex')
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) return { ok: true, timestamp }
  }
  return { ok: false, reason: 'bad_signature' }
}
