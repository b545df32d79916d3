import { createHmac, timingSafeEqual } from 'node:crypto'

import { invalidArgType, invalidArgValue } from './errors.js'
import { sameSecret } from './redirect-parser.js'

/** The answer to Meta's webhook verification GET. */
export type WebhookChallengeAnswer = { status: 200; body: string } | { status: 403 }

type QueryInput = URLSearchParams | string | Readonly<Record<string, unknown>>

function readQuery(query: QueryInput, dotted: string): string | null {
  // PHP-style frameworks turn `hub.mode` into `hub_mode`; accept both spellings.
  const names = [dotted, dotted.replace('.', '_')]
  const values: unknown[] = []
  if (query instanceof URLSearchParams || typeof query === 'string') {
    const params =
      typeof query === 'string' ? new URLSearchParams(query.replace(/^[^?]*\?/, '')) : query
    for (const n of names) values.push(...params.getAll(n))
  } else {
    for (const n of names) {
      const v = query[n]
      if (Array.isArray(v)) values.push(...(v as unknown[]))
      else if (v !== undefined) values.push(v)
    }
  }
  if (values.length !== 1) return null
  const [only] = values
  return typeof only === 'string' ? only : null
}

/**
 * Answers Meta's webhook verification request
 * (`hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`).
 *
 * @param query - The query as `URLSearchParams`, a query string or URL, or a parsed object.
 * @param verifyToken - The verify token saved in the App Dashboard.
 * @returns `{ status: 200, body: challenge }` when mode and token match, else `{ status: 403 }`.
 * @see https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 */
export function answerWebhookChallenge(
  query: QueryInput,
  verifyToken: string,
): WebhookChallengeAnswer {
  if (typeof verifyToken !== 'string' || verifyToken === '') {
    throw invalidArgValue('"verifyToken" must be a non-empty string')
  }
  if (typeof query !== 'object' && typeof query !== 'string') {
    throw invalidArgType('"query" must be URLSearchParams, a string or an object')
  }
  const mode = readQuery(query, 'hub.mode')
  const token = readQuery(query, 'hub.verify_token')
  const challenge = readQuery(query, 'hub.challenge')
  if (mode !== 'subscribe' || token === null || challenge === null || challenge === '') {
    return { status: 403 }
  }
  return sameSecret(token, verifyToken) ? { status: 200, body: challenge } : { status: 403 }
}

/**
 * Checks `X-Hub-Signature-256: sha256=<hex>` against the raw request body. Pass the bytes as
 * received: re-serialised JSON does not match.
 *
 * @param rawBody - The raw body.
 * @param header - The header value (missing → `false`).
 * @param secrets - The app secret, or several (the Meta and the Instagram app secret: which one
 * signs Instagram Login webhooks is unconfirmed).
 * @returns Whether any secret verifies the body.
 */
export function verifyWebhookSignature(
  rawBody: Buffer | string,
  header: string | null | undefined,
  secrets: string | readonly string[],
): boolean {
  if (typeof rawBody !== 'string' && !Buffer.isBuffer(rawBody)) {
    throw invalidArgType('"rawBody" must be a Buffer or a string')
  }
  const keys = typeof secrets === 'string' ? [secrets] : secrets
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    keys.some((k) => typeof k !== 'string' || k === '')
  ) {
    throw invalidArgValue('"secrets" must be a non-empty string or a non-empty array of them')
  }
  if (typeof header !== 'string') return false
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim())
  if (match?.[1] === undefined) return false
  const given = Buffer.from(match[1], 'hex')
  let ok = false
  for (const key of keys as string[]) {
    const expected = createHmac('sha256', key).update(rawBody).digest()
    if (timingSafeEqual(given, expected)) ok = true
  }
  return ok
}
