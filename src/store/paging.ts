import { invalidArgument } from './store-error.js'

/** One page of rows and the cursor for the next page (absent on the last page). */
export interface Page<T> {
  readonly items: readonly T[]
  readonly nextCursor?: string
}

/** The position after which a page starts: newest first, ties broken by id. */
export interface CursorPosition {
  readonly createdAt: number
  readonly id: string
}

/**
 * Encodes a page position as an opaque URL-safe string.
 * @internal
 */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt}:${position.id}`, 'utf8').toString('base64url')
}

/**
 * Decodes what {@link encodeCursor} produced.
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for anything else
 * @internal
 */
export function decodeCursor(cursor: string): CursorPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const match = /^(\d{1,16}):([A-Za-z0-9_-]{1,64})$/.exec(text)
  if (match?.[1] === undefined || match[2] === undefined) {
    throw invalidArgument('"cursor" is not a cursor this store issued')
  }
  return { createdAt: Number(match[1]), id: match[2] }
}

/**
 * Validates a page size.
 * @internal
 */
export function pageLimit(limit: number | undefined, fallback = 50, max = 500): number {
  const value = limit ?? fallback
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(`"limit" must be an integer from 1 to ${max}`)
  }
  return value
}

/**
 * Validates an epoch-ms instant passed by a caller.
 * @internal
 */
export function checkInstant(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`"${name}" must be a non-negative integer (epoch ms)`)
  }
  return value
}
