import { FLAVOR_NAMES, getFlavor } from '../meta/index.js'
import type { FlavorName, StoredTokenKind } from '../meta/index.js'
import type { TokenKind } from '../store/index.js'

// Every kind a flavor names must be one the store keeps: a compile-time check of the two lists.
const storable: (kind: StoredTokenKind) => TokenKind = (kind) => kind

function byFlavor(
  fact: 'servedTokenKind' | 'userTokenKind',
): Readonly<Record<FlavorName, TokenKind>> {
  return Object.freeze(
    Object.fromEntries(
      FLAVOR_NAMES.map((name) => [name, storable(getFlavor(name)[fact])]),
    ) as Record<FlavorName, TokenKind>,
  )
}

/** The token kind an account of each flavor is served with (the flavor's `servedTokenKind`). */
export const SERVED_TOKEN_KIND: Readonly<Record<FlavorName, TokenKind>> =
  byFlavor('servedTokenKind')

/** The token kind that carries a flavor's user session (the flavor's `userTokenKind`). */
export const USER_TOKEN_KIND: Readonly<Record<FlavorName, TokenKind>> = byFlavor('userTokenKind')
