import type { DialogRefusal } from './error-messages.js'
import { matchMessage } from './error-messages.js'
import { classifyMetaError, readMetaErrorBody } from './graph-error.js'
import type { Classification, MetaErrorFields } from './graph-error.js'

export type { DialogRefusal } from './error-messages.js'

/** The login dialog's answer to a request without cookies, as a browser would receive it. */
export interface DialogResponse {
  readonly status: number
  readonly contentType: string | null
  /** The `Location` header of a redirect. */
  readonly location: string | null
  /** The body, already read (a prefix is enough). */
  readonly body: string
}

/**
 * What the dialog said, read by its structure:
 * - `ok`: a page for a person (log in, consent) or a redirect without an error;
 * - `redirect-error`: a redirect carrying OAuth's `error`, `error_reason`, `error_description`;
 * - `json-error`: a Meta error body (the Instagram dialogs answer refusals as JSON), with the
 *   library's one classification and, when its meaning is a known refusal, which one;
 * - `unknown`: an error status with a body that is no Meta error (the Facebook dialog's HTML).
 */
export type DialogAnswer =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'redirect-error'
      readonly error: string
      readonly reason: string | null
      readonly description: string | null
      readonly refusal: DialogRefusal | null
    }
  | {
      readonly kind: 'json-error'
      readonly fields: MetaErrorFields
      readonly classification: Classification
      readonly refusal: DialogRefusal | null
    }
  | { readonly kind: 'unknown'; readonly status: number }

// OAuth's error codes (RFC 6749 4.1.2.1) that name a refusal of the request itself.
const OAUTH_REDIRECT_REFUSALS: Readonly<Record<string, DialogRefusal>> = {
  invalid_scope: 'scope_refused',
  unauthorized_client: 'invalid_platform_app',
}

// Graph codes whose meaning in the dialog is one refusal whatever the wording: 191 is "the
// redirect URI is not allowed for this app".
const GRAPH_CODE_REFUSALS: Readonly<Record<number, DialogRefusal>> = {
  191: 'redirect_uri_not_registered',
}

/**
 * Classifies the login dialog's answer without a browser and without reading HTML: the status,
 * the `Location` of a redirect, and the JSON error bodies Meta's Instagram dialogs send.
 * @param response - status, content type, `Location` and body of the dialog's answer
 */
export function classifyDialogResponse(response: DialogResponse): DialogAnswer {
  const { status } = response
  if (status >= 300 && status < 400) return redirectAnswer(response.location)
  const fields = errorFields(response)
  if (fields !== null) {
    const code = fields.dialect === 'graph' ? fields.code : null
    const refusal =
      (code !== null ? GRAPH_CODE_REFUSALS[code] : undefined) ??
      matchMessage(code, fields.message)?.dialog ??
      null
    return {
      kind: 'json-error',
      fields,
      classification: classifyMetaError(fields, status, null, 'none'),
      refusal,
    }
  }
  return status < 400 ? { kind: 'ok' } : { kind: 'unknown', status }
}

function redirectAnswer(location: string | null): DialogAnswer {
  if (location === null) return { kind: 'ok' }
  let url: URL
  try {
    // A relative Location (Meta's own login page) has no error parameters either way.
    url = new URL(location, 'https://dialog.invalid/')
  } catch {
    return { kind: 'ok' }
  }
  // Error parameters arrive in the query for `response_type=code`, in the fragment otherwise.
  for (const params of [url.searchParams, new URLSearchParams(url.hash.slice(1))]) {
    const error = params.get('error')
    if (error !== null && error !== '') {
      return {
        kind: 'redirect-error',
        error,
        reason: params.get('error_reason'),
        description: params.get('error_description'),
        refusal: OAUTH_REDIRECT_REFUSALS[error] ?? null,
      }
    }
  }
  return { kind: 'ok' }
}

/** The Meta error in a body that is JSON by its content type or by its first character. */
function errorFields(response: DialogResponse): MetaErrorFields | null {
  const type = response.contentType?.toLowerCase() ?? ''
  const text = response.body.trim()
  if (!/json|javascript/.test(type) && !text.startsWith('{')) return null
  try {
    return readMetaErrorBody(JSON.parse(text) as unknown)
  } catch {
    return null
  }
}
