/** Query parameters that carry a token, secret or code and are never shown on an error. */
export const SECRET_QUERY_PARAMS: readonly string[] = [
  'access_token',
  'client_secret',
  'code',
  'fb_exchange_token',
  'input_token',
  'appsecret_proof',
]

const REDACTED = '[redacted]'

/**
 * Returns `url` with every secret query parameter's value replaced by `[redacted]`.
 *
 * @param url - An absolute URL.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return REDACTED
  }
  for (const name of SECRET_QUERY_PARAMS) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, REDACTED)
  }
  parsed.hash = ''
  return parsed.toString()
}

/**
 * Replaces every occurrence of a secret (raw, percent-encoded or form-encoded, since Meta echoes
 * request parameters in its messages) by `[redacted]`.
 *
 * @param text - Text that may echo a secret.
 * @param secrets - The token, secret and code values sent with the request.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>()
  for (const s of secrets) {
    if (s === '') continue
    needles.add(s)
    needles.add(encodeURIComponent(s))
    needles.add(new URLSearchParams({ s }).toString().slice(2))
  }
  let out = text
  // Longest first: an app token `id|secret` contains the secret.
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join(REDACTED)
  }
  return out
}

/** {@link scrub} applied to every string (keys too) inside a parsed JSON value. */
export function scrubDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrub(value, secrets)
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, secrets))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[scrub(k, secrets)] = scrubDeep(v, secrets)
    return out
  }
  return value
}

/**
 * Drops every `access_token` member, at any depth. What the Graph proxy hands back must hold no
 * token at all: not only the one it sent (scrubbed by {@link scrubDeep}) but also the ones Meta
 * mints in answers, such as the Page tokens of `/me/accounts` (Facebook Login).
 * @param value - a parsed JSON body
 */
export function withoutTokens(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTokens)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (k.toLowerCase() !== 'access_token') out[k] = withoutTokens(v)
    }
    return out
  }
  return value
}
