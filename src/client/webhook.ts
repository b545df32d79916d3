/** What {@link verifyWebhook} found. */
export type WebhookVerification =
  | { readonly ok: true; readonly timestamp: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'stale' | 'bad_signature' }

/** A delivery older or newer than this (seconds) is refused as a possible replay. */
const TOLERANCE_SECONDS = 300

type HeaderBag = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Checks an igtoken webhook delivery on the receiving side (docs/webhooks.md, "Verifying a
 * delivery"): `X-Igtoken-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is
 * `HMAC-SHA256(secret, "<t>.<raw body>")`, compared in constant time, `t` within 5 minutes.
 * Uses Web Crypto, so it runs in Node ≥ 20, Deno, workers and browsers alike.
 * @param rawBody - the body exactly as received (before any JSON parsing)
 * @param headers - the request's headers (a `Headers` or Node's `req.headers`)
 * @param secret - the subscriber's secret
 * @param nowMs - the receiver's clock (default `Date.now()`)
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: HeaderBag,
  secret: string,
  nowMs: number = Date.now(),
): Promise<WebhookVerification> {
  const header = headerOf(headers, 'x-igtoken-signature')
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '')
  if (match === null) return { ok: false, reason: 'malformed' }
  const t = Number(match[1])
  const given = match[2] ?? ''
  if (Math.abs(nowMs / 1000 - t) > TOLERANCE_SECONDS) return { ok: false, reason: 'stale' }
  const encoder = new TextEncoder()
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody
  const prefix = encoder.encode(`${String(t)}.`)
  const message = new Uint8Array(prefix.length + body.length)
  message.set(prefix)
  message.set(body, prefix.length)
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, message))
  return constantTimeEqualHex(expected, given)
    ? { ok: true, timestamp: t }
    : { ok: false, reason: 'bad_signature' }
}

function headerOf(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
  const value = key === undefined ? undefined : headers[key]
  return typeof value === 'string' ? value : value?.[0]
}

// Compares every byte whatever differs first: the time taken does not tell how much matched.
function constantTimeEqualHex(expected: Uint8Array, hex: string): boolean {
  let diff = hex.length ^ (expected.length * 2)
  for (let i = 0; i < expected.length; i++) {
    const byte = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
    diff |= (expected[i] ?? 0) ^ (Number.isNaN(byte) ? 256 : byte)
  }
  return diff === 0
}
