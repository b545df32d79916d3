import type { ErrorAction } from './errors.js'
import type { UsageReading } from './usage-headers.js'

/** The fields of either Meta error dialect, before scrubbing. */
export interface MetaErrorFields {
  readonly dialect: 'graph' | 'instagram-oauth'
  readonly message: string
  readonly code: number | null
  readonly subcode: number | null
  readonly type: string | null
  readonly fbtraceId: string | null
  readonly userTitle: string | null
  readonly userMessage: string | null
}

/**
 * Reads a Meta error body in either dialect:
 * Graph `{"error":{"message","type","code","error_subcode",…}}` or Instagram OAuth
 * `{"error_type","code","error_message"}`.
 *
 * @returns The fields, or `null` when `body` is in neither shape.
 */
export function readMetaErrorBody(body: unknown): MetaErrorFields | null {
  if (!isRecord(body)) return null
  const graph = body['error']
  if (isRecord(graph)) {
    return {
      dialect: 'graph',
      message: str(graph['message']) ?? '',
      code: int(graph['code']),
      subcode: int(graph['error_subcode']),
      type: str(graph['type']),
      fbtraceId: str(graph['fbtrace_id']),
      userTitle: str(graph['error_user_title']),
      userMessage: str(graph['error_user_msg']),
    }
  }
  if (typeof body['error_type'] === 'string' || typeof body['error_message'] === 'string') {
    return {
      dialect: 'instagram-oauth',
      message: str(body['error_message']) ?? '',
      code: int(body['code']),
      subcode: null,
      type: str(body['error_type']),
      fbtraceId: null,
      userTitle: null,
      userMessage: null,
    }
  }
  return null
}

const REAUTHORIZE_CODES = new Set([190, 102])
// 458 app removed, 459 checkpointed, 460 password changed, 463 expired, 464 unconfirmed,
// 467 invalid, 492 lost Page role: all need a fresh login.
const REAUTHORIZE_SUBCODES = new Set([458, 459, 460, 463, 464, 467, 492])
const TRANSIENT_CODES = new Set([1, 2])
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80001, 80002, 80006])
const FIX_REQUEST_CODES = new Set([100, 191])
const FIX_REQUEST_SUBCODES = new Set([36007, 36008, 36009])

/** Default wait for a transient failure (5xx, codes 1 and 2, timeouts), in ms. */
export const TRANSIENT_RETRY_MS = 1_000
/** Default wait for a throttle without a usage header, in ms: Meta's windows are rolling. */
export const THROTTLE_RETRY_MS = 5 * 60_000

const INVALID_PLATFORM_APP_HINT =
  'Instagram Login uses the Instagram app id and Instagram app secret (App Dashboard > Instagram > ' +
  'API setup with Instagram login > Business login settings), which differ from the Meta app id ' +
  'and secret shown at the top of the dashboard'

/** The action, wait and hint for a Meta error. */
export interface Classification {
  readonly action: ErrorAction
  readonly retryAfterMs: number | null
  readonly hint: string | null
}

/**
 * Decides what a caller should do about a Meta error.
 *
 * @param fields - The parsed error.
 * @param status - The HTTP status.
 * @param usage - Usage headers of the response, for the throttle wait.
 */
export function classifyMetaError(
  fields: Pick<MetaErrorFields, 'code' | 'subcode' | 'message' | 'dialect'>,
  status: number,
  usage: UsageReading | null,
): Classification {
  const { code, subcode, message } = fields
  // The Instagram OAuth dialect echoes the HTTP status as `code`: only its message means anything.
  const graphCode = fields.dialect === 'graph' ? code : null
  const lower = message.toLowerCase()
  if (
    (graphCode !== null && REAUTHORIZE_CODES.has(graphCode)) ||
    (subcode !== null && REAUTHORIZE_SUBCODES.has(subcode))
  ) {
    return { action: 'reauthorize', retryAfterMs: null, hint: null }
  }
  if (graphCode !== null && THROTTLE_CODES.has(graphCode)) {
    const wait = usage !== null && usage.suggestedWaitMs > 0 ? usage.suggestedWaitMs : null
    return { action: 'retry-later', retryAfterMs: wait ?? THROTTLE_RETRY_MS, hint: null }
  }
  if (graphCode !== null && TRANSIENT_CODES.has(graphCode)) {
    return { action: 'retry-later', retryAfterMs: TRANSIENT_RETRY_MS, hint: null }
  }
  if (graphCode === 10 || (graphCode !== null && graphCode >= 200 && graphCode <= 299)) {
    return { action: 'permission', retryAfterMs: null, hint: null }
  }
  if (lower.includes('invalid platform app')) {
    return { action: 'fix-request', retryAfterMs: null, hint: INVALID_PLATFORM_APP_HINT }
  }
  if (
    (graphCode !== null && FIX_REQUEST_CODES.has(graphCode)) ||
    (subcode !== null && FIX_REQUEST_SUBCODES.has(subcode)) ||
    lower.includes('invalid redirect_uri') ||
    lower.includes('redirect uri does not match') ||
    lower.includes('matching code was not found or was already used') ||
    lower.includes('authorization code has been used') ||
    lower.includes('invalid scope')
  ) {
    return { action: 'fix-request', retryAfterMs: null, hint: null }
  }
  if (status >= 500) return { action: 'retry-later', retryAfterMs: TRANSIENT_RETRY_MS, hint: null }
  if (fields.dialect === 'instagram-oauth' && status >= 400 && status < 500) {
    return { action: 'fix-request', retryAfterMs: null, hint: null }
  }
  return { action: 'unknown', retryAfterMs: null, hint: null }
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
