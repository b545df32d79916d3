import type { SentToken } from './error-messages.js'
import {
  MESSAGE_RULES,
  NO_TOKEN_HINT,
  PAGE_ROLE_LOST_HINT,
  matchMessage,
} from './error-messages.js'
import type { ErrorAction } from './errors.js'
import type { UsageReading } from './usage-headers.js'

/** The fields of any Meta error dialect, before scrubbing. */
export interface MetaErrorFields {
  readonly dialect: 'graph' | 'instagram-oauth'
  readonly message: string
  readonly code: number | null
  readonly subcode: number | null
  readonly type: string | null
  readonly fbtraceId: string | null
  readonly userTitle: string | null
  readonly userMessage: string | null
  /** Meta's `is_transient`, when it says. */
  readonly isTransient?: boolean | null
}

/**
 * Reads a Meta error body in any of its dialects:
 * - Graph `{"error":{"message","type","code","error_subcode","is_transient",…}}`, also without
 *   `code` as old Facebook answers were;
 * - Instagram OAuth `{"error_type","code","error_message"}` and its legacy envelope
 *   `{"meta":{"error_type","code","error_message"}}`;
 * - the Instagram dialog's `{"status":"fail","message"}`.
 *
 * @returns The fields, or `null` when `body` is none of these.
 */
export function readMetaErrorBody(body: unknown): MetaErrorFields | null {
  if (!isRecord(body)) return null
  const graph = body['error']
  if (isRecord(graph)) {
    const transient = graph['is_transient']
    return {
      dialect: 'graph',
      message: str(graph['message']) ?? '',
      code: int(graph['code']),
      subcode: int(graph['error_subcode']),
      type: str(graph['type']),
      fbtraceId: str(graph['fbtrace_id']),
      userTitle: str(graph['error_user_title']),
      userMessage: str(graph['error_user_msg']),
      isTransient: typeof transient === 'boolean' ? transient : null,
    }
  }
  const legacy = body['meta']
  const oauth = isRecord(legacy) && isInstagramOAuth(legacy) ? legacy : body
  if (isInstagramOAuth(oauth)) {
    return instagramOAuth(str(oauth['error_message']), int(oauth['code']), str(oauth['error_type']))
  }
  if (body['status'] === 'fail' && typeof body['message'] === 'string') {
    return instagramOAuth(str(body['message']), null, null)
  }
  return null
}

function isInstagramOAuth(body: Record<string, unknown>): boolean {
  return typeof body['error_type'] === 'string' || typeof body['error_message'] === 'string'
}

function instagramOAuth(
  message: string | null,
  code: number | null,
  type: string | null,
): MetaErrorFields {
  return {
    dialect: 'instagram-oauth',
    message: message ?? '',
    code,
    subcode: null,
    type,
    fbtraceId: null,
    userTitle: null,
    userMessage: null,
  }
}

const REAUTHORIZE_CODES = new Set([190, 102])
// 458 app removed, 459 checkpointed, 460 password changed, 463 expired, 464 unconfirmed,
// 467 invalid, 490 blocking checkpoint: all need a fresh login.
const REAUTHORIZE_SUBCODES = new Set([458, 459, 460, 463, 464, 467, 490])
// 492: the Page token's user lost the Page role. A new login gives the same token back; a Page
// admin has to restore the role.
const PERMISSION_SUBCODES = new Set([492])
const TRANSIENT_CODES = new Set([1, 2])
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80001, 80002, 80006])
const PERMISSION_CODES = new Set([3, 10])
// 101 bad app id, 104 no token, 191 bad redirect URI, 803 unknown alias, 2500 bad path or token.
const FIX_REQUEST_CODES = new Set([100, 101, 104, 191, 803, 2500])
const FIX_REQUEST_SUBCODES = new Set([36007, 36008, 36009])

/** Every Graph code and subcode the classification reads; docs/errors.md names each (tested). */
export const CLASSIFIED_CODES: readonly number[] = [
  ...new Set([
    ...REAUTHORIZE_CODES,
    ...TRANSIENT_CODES,
    ...THROTTLE_CODES,
    ...PERMISSION_CODES,
    200,
    299,
    ...FIX_REQUEST_CODES,
    ...MESSAGE_RULES.flatMap((r) => r.codes.filter((c): c is number => c !== null)),
  ]),
]
/** Every subcode the classification reads. */
export const CLASSIFIED_SUBCODES: readonly number[] = [
  ...REAUTHORIZE_SUBCODES,
  ...PERMISSION_SUBCODES,
  ...FIX_REQUEST_SUBCODES,
]

/** Default wait for a transient failure (5xx, codes 1 and 2, timeouts), in ms. */
export const TRANSIENT_RETRY_MS = 1_000
/** Default wait for a throttle without a usage header, in ms: Meta's windows are rolling. */
export const THROTTLE_RETRY_MS = 5 * 60_000

/** The action, wait and hint for a Meta error. */
export interface Classification {
  readonly action: ErrorAction
  readonly retryAfterMs: number | null
  readonly hint: string | null
}

const outcome = (action: ErrorAction, hint: string | null = null): Classification => ({
  action,
  retryAfterMs: action === 'retry-later' ? TRANSIENT_RETRY_MS : null,
  hint,
})

/**
 * Decides what a caller should do about a Meta error. Codes, subcodes and `is_transient` decide
 * first; Meta's wording only tells apart the meanings of a reused code (see `MESSAGE_RULES`), so
 * a message in another language falls back to what the code says. The HTTP status decides only
 * when nothing else does: Meta sends errors under 200, permission errors under 403 and 500, and
 * transient ones under 401.
 *
 * @param fields - The parsed error.
 * @param status - The HTTP status.
 * @param usage - Usage headers of the response, for the throttle wait.
 * @param sentToken - Which token the call carried (default `other`).
 */
export function classifyMetaError(
  fields: Pick<MetaErrorFields, 'code' | 'subcode' | 'message' | 'dialect' | 'isTransient'>,
  status: number,
  usage: UsageReading | null,
  sentToken: SentToken = 'other',
): Classification {
  const { subcode } = fields
  // The Instagram OAuth dialect echoes the HTTP status as `code`: only its message means anything.
  const code = fields.dialect === 'graph' ? fields.code : null
  if (subcode !== null && REAUTHORIZE_SUBCODES.has(subcode)) return outcome('reauthorize')
  if (subcode !== null && PERMISSION_SUBCODES.has(subcode)) {
    return outcome('permission', PAGE_ROLE_LOST_HINT)
  }
  if (code !== null && THROTTLE_CODES.has(code)) {
    const wait = usage !== null && usage.suggestedWaitMs > 0 ? usage.suggestedWaitMs : null
    return { action: 'retry-later', retryAfterMs: wait ?? THROTTLE_RETRY_MS, hint: null }
  }
  const rule = matchMessage(code, fields.message)
  if (rule !== undefined) {
    const action =
      rule.action !== 'reauthorize-if-token-sent'
        ? rule.action
        : sentToken === 'none'
          ? 'fix-request'
          : 'reauthorize'
    return outcome(action, rule.hint(sentToken))
  }
  if (code === 190 && sentToken === 'none') return outcome('fix-request', NO_TOKEN_HINT)
  if (code !== null && REAUTHORIZE_CODES.has(code)) return outcome('reauthorize')
  if (code !== null && TRANSIENT_CODES.has(code)) return outcome('retry-later')
  if (fields.isTransient === true) return outcome('retry-later')
  if (code !== null && (PERMISSION_CODES.has(code) || (code >= 200 && code <= 299))) {
    return outcome('permission')
  }
  if (
    (code !== null && FIX_REQUEST_CODES.has(code)) ||
    (subcode !== null && FIX_REQUEST_SUBCODES.has(subcode))
  ) {
    return outcome('fix-request')
  }
  if (status >= 500) return outcome('retry-later')
  if (fields.dialect === 'instagram-oauth' && status >= 400 && status < 500) {
    return outcome('fix-request')
  }
  return outcome('unknown')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

function int(value: unknown): number | null {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null
}
