// The argument checks of the token writes, shared by the single writes (token-repository) and the
// refresh engine's batched write (token-refresh-batch).
import { checkInstant } from './paging.js'
import { invalidArgument } from './store-error.js'
import { TOKEN_KINDS } from './tables/tokens.table.js'
import type { TokenKind } from './tables/tokens.table.js'

/** @throws TypeError (`ERR_INVALID_ARG_VALUE`) unless `kind` is one of the token kinds */
export function checkKind(kind: string): TokenKind {
  if (!(TOKEN_KINDS as readonly string[]).includes(kind)) {
    throw invalidArgument(`"kind" must be one of ${TOKEN_KINDS.join(', ')}`)
  }
  return kind as TokenKind
}

/** @throws TypeError (`ERR_INVALID_ARG_VALUE`) unless a non-empty string of at most 4096 characters */
export function checkTokenValue(accessToken: string): string {
  if (typeof accessToken !== 'string' || accessToken.length === 0 || accessToken.length > 4096) {
    throw invalidArgument('"accessToken" must be a non-empty string of at most 4096 characters')
  }
  return accessToken
}

/** @throws TypeError (`ERR_INVALID_ARG_VALUE`) unless null or an epoch-ms instant */
export function checkOptionalInstant(name: string, value: number | null): number | null {
  return value === null ? null : checkInstant(name, value)
}

/** @throws TypeError (`ERR_INVALID_ARG_VALUE`) unless a positive integer, null or `'any'` */
export function checkVersion(value: number | null | 'any'): number | null | 'any' {
  if (value === null || value === 'any') return value
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument('"expectedVersion" must be a positive integer, null or "any"')
  }
  return value
}
