import { invalidArgValue } from '../errors.js'
import { basicDisplay } from './basic-display.js'
import { facebookLogin } from './facebook-login.js'
import type { Flavor, FlavorName } from './flavor.js'
import { instagramLogin } from './instagram-login.js'

const FLAVORS: Readonly<Record<FlavorName, Flavor>> = {
  'instagram-login': instagramLogin,
  'facebook-login': facebookLogin,
  'basic-display': basicDisplay,
}

/** Every {@link FlavorName}. */
export const FLAVOR_NAMES: readonly FlavorName[] = Object.freeze([
  'instagram-login',
  'facebook-login',
  'basic-display',
] as const)

/**
 * The data of a login flavor: hosts, paths, scopes, token lifetimes and rules.
 *
 * @param name - `instagram-login` (default choice), `facebook-login` or `basic-display` (legacy).
 * @throws TypeError `ERR_INVALID_ARG_VALUE` for an unknown name.
 */
export function getFlavor(name: FlavorName): Flavor {
  if (!(FLAVOR_NAMES as readonly unknown[]).includes(name)) {
    throw invalidArgValue(`"flavor" must be one of ${FLAVOR_NAMES.map((n) => `"${n}"`).join(', ')}`)
  }
  return FLAVORS[name]
}

/**
 * The flavor that stores tokens of `kind` (as its user or its served token), or undefined for a
 * kind no flavor keeps long (`short_lived`). Each kind belongs to exactly one flavor.
 * @param kind - a `tokens.kind` value
 */
export function flavorOfTokenKind(kind: string): Flavor | undefined {
  return FLAVOR_NAMES.map((name) => FLAVORS[name]).find(
    (flavor) => flavor.userTokenKind === kind || flavor.servedTokenKind === kind,
  )
}
