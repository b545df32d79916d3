import { createHash, timingSafeEqual } from 'node:crypto'

import {
  IGB_REDIRECT_MISSING_CODE,
  IGB_REDIRECT_MISSING_STATE,
  IGB_REDIRECT_REPEATED_PARAMETER,
  IGB_STATE_MISMATCH,
} from './error-codes.js'
import { AuthorizationDeniedError, BrokerError, invalidArgType, requireString } from './errors.js'

/** The useful part of a successful login redirect. */
export interface RedirectResult {
  readonly code: string
  readonly state: string
}

// Instagram appends `#_`, Facebook `#_=_`; neither is part of the code.
const FRAGMENT_MARKER = /#_(=_)?$/

/**
 * Reads the redirect Meta sent back after the login dialog.
 *
 * @param input - The full callback URL, a `URL`, a query string (with or without `?`), or
 * `URLSearchParams`. A trailing `#_` / `#_=_` is ignored, also when pasted stuck to the code.
 * @param check - `expectedState`: the state this login started with.
 * @throws AuthorizationDeniedError when the redirect carries `error=…`.
 * @throws BrokerError `IGB_REDIRECT_MISSING_CODE`, `IGB_REDIRECT_MISSING_STATE`,
 * `IGB_REDIRECT_REPEATED_PARAMETER`, `IGB_STATE_MISMATCH`.
 */
export function parseRedirect(
  input: string | URL | URLSearchParams,
  check: { readonly expectedState: string },
): RedirectResult {
  if (typeof check !== 'object' || (check as unknown) === null) {
    throw invalidArgType('"check" must be an object')
  }
  const expectedState = requireString(check.expectedState, 'expectedState')
  const params = toParams(input)

  const error = single(params, 'error')
  if (error !== null && error !== '') {
    const reason = single(params, 'error_reason')
    const description = single(params, 'error_description')
    throw new AuthorizationDeniedError(
      error,
      reason === '' ? null : reason,
      description === '' ? null : description,
    )
  }

  const rawCode = single(params, 'code')
  const code = rawCode?.replace(FRAGMENT_MARKER, '') ?? ''
  if (code === '') {
    throw new BrokerError(
      IGB_REDIRECT_MISSING_CODE,
      rawCode === null
        ? 'the redirect has no "code" parameter'
        : 'the redirect has an empty "code" parameter',
      { action: 'reauthorize' },
    )
  }
  let state = single(params, 'state')
  if (state === null || state === '') {
    throw new BrokerError(
      IGB_REDIRECT_MISSING_STATE,
      state === null
        ? 'the redirect has no "state" parameter'
        : 'the redirect has an empty "state" parameter',
      { action: 'reauthorize' },
    )
  }
  if (!sameSecret(state, expectedState) && FRAGMENT_MARKER.test(state)) {
    state = state.replace(FRAGMENT_MARKER, '')
  }
  if (!sameSecret(state, expectedState)) {
    throw new BrokerError(IGB_STATE_MISMATCH, 'the "state" parameter does not match the login', {
      action: 'reauthorize',
    })
  }
  return { code, state }
}

function toParams(input: string | URL | URLSearchParams): URLSearchParams {
  if (input instanceof URLSearchParams) return input
  if (input instanceof URL) return input.searchParams
  if (typeof input !== 'string') {
    throw invalidArgType('"input" must be a string, URL or URLSearchParams')
  }
  const text = input.trim()
  // A raw `#` always starts the fragment: a `#` inside a value arrives encoded as %23.
  const hashAt = text.indexOf('#')
  const withoutFragment = hashAt === -1 ? text : text.slice(0, hashAt)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(withoutFragment)) {
    try {
      return new URL(withoutFragment).searchParams
    } catch {
      // Not a URL after all: read it as a query string.
    }
  }
  const queryAt = withoutFragment.indexOf('?')
  return new URLSearchParams(queryAt === -1 ? withoutFragment : withoutFragment.slice(queryAt + 1))
}

function single(params: URLSearchParams, name: string): string | null {
  const all = params.getAll(name)
  if (all.length > 1) {
    throw new BrokerError(
      IGB_REDIRECT_REPEATED_PARAMETER,
      `the redirect repeats the "${name}" parameter`,
      { action: 'reauthorize' },
    )
  }
  return all[0] ?? null
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest()
  const hb = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}
