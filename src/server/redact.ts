/** Query parameters whose values are secrets: they never reach a log line. */
const SECRET_PARAMS = new Set([
  'code',
  'state',
  'access_token',
  'input_token',
  'fb_exchange_token',
  'client_secret',
  'signed_request',
  'appsecret_proof',
  'key',
  'token',
])

/** Paths whose last segment is a secret (a connect link's page). */
const SECRET_PATH = /^(\/link\/)[^/?#]+/

/**
 * The URL with the value of every secret query parameter, and a connect link's secret path
 * segment, replaced: safe to log.
 */
export function redactUrl(url: string): string {
  url = url.replace(SECRET_PATH, '$1[redacted]')
  const q = url.indexOf('?')
  if (q === -1) return url
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const rawName = eq === -1 ? pair : pair.slice(0, eq)
      let name = rawName
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '))
      } catch {
        // A malformed escape cannot name a secret parameter we know; keep it as sent.
      }
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${rawName}=[redacted]` : pair
    })
  return `${url.slice(0, q)}?${pairs.join('&')}`
}

/** pino `redact` paths: headers and body fields that can carry a secret. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.accessToken',
  '*.client_secret',
  '*.appSecret',
  '*.signed_request',
  '*.key',
  '*.password',
]
