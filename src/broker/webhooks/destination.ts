import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

/** Why a webhook destination was refused. */
export type DestinationRefusal =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'unresolvable'

// Addresses a webhook must never reach unless an operator allows them: the machine itself, the
// networks behind it, and ranges no public receiver lives in.
const RANGES: readonly [DestinationRefusal, string, number, 'ipv4' | 'ipv6'][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['private', '100.64.0.0', 10, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['unique-local', 'fc00::', 7, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '64:ff9b::', 96, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
]

const LISTS = new Map<DestinationRefusal, BlockList>()
for (const [reason, network, prefix, family] of RANGES) {
  const list = LISTS.get(reason) ?? new BlockList()
  list.addSubnet(network, prefix, family)
  LISTS.set(reason, list)
}

/**
 * Classifies one IP address.
 * @returns why it is refused, or undefined for a public address
 */
export function refusedAddress(address: string): DestinationRefusal | undefined {
  const bare = address.replace(/^\[|\]$/g, '')
  const family = isIP(bare)
  if (family === 0) return 'unresolvable'
  // ::ffff:a.b.c.d is the IPv4 address a.b.c.d: judge it as that.
  const mapped = family === 6 ? ipv4Mapped(bare) : undefined
  const ip = mapped ?? bare
  const type = mapped !== undefined || family === 4 ? 'ipv4' : 'ipv6'
  for (const [reason, list] of LISTS) if (list.check(ip, type)) return reason
  return undefined
}

function ipv4Mapped(ipv6: string): string | undefined {
  const lower = ipv6.toLowerCase()
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (dotted?.[1] !== undefined) return dotted[1]
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
  if (hex?.[1] === undefined || hex[2] === undefined) return undefined
  const high = parseInt(hex[1], 16)
  const low = parseInt(hex[2], 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

/**
 * An operator's list of destinations webhooks may reach although they are internal
 * (`IGTOKEN_WEBHOOK_ALLOW_HOSTS`): host names, IP addresses and CIDR ranges.
 */
export class DestinationAllowList {
  readonly #hosts = new Set<string>()
  readonly #addresses = new BlockList()

  /** @param entries - e.g. `['hooks.internal', '10.0.0.0/8', '127.0.0.1']` */
  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '')
      if (entry === '') continue
      const [network, prefix] = entry.split('/', 2)
      const family = isIP(network ?? '')
      if (family !== 0 && network !== undefined) {
        const type = family === 4 ? 'ipv4' : 'ipv6'
        if (prefix === undefined) this.#addresses.addAddress(network, type)
        else this.#addresses.addSubnet(network, Number(prefix), type)
      } else {
        this.#hosts.add(entry.replace(/\.$/, ''))
      }
    }
  }

  /** Whether the URL's host name is allowed by name. */
  allowsHost(hostname: string): boolean {
    return this.#hosts.has(
      hostname
        .toLowerCase()
        .replace(/\.$/, '')
        .replace(/^\[|\]$/g, ''),
    )
  }

  /** Whether an address is allowed by address or range. */
  allowsAddress(address: string): boolean {
    const bare = address.replace(/^\[|\]$/g, '')
    const family = isIP(bare)
    if (family === 0) return false
    return this.#addresses.check(bare, family === 4 ? 'ipv4' : 'ipv6')
  }
}

/** Where a delivery may connect: the address checked once and pinned for the connection. */
export interface CheckedDestination {
  readonly url: URL
  readonly address: string
  readonly family: 4 | 6
}

/** A destination refused before any connection was made. */
export class DestinationRefusedError extends Error {
  override name = 'DestinationRefusedError'
  readonly reason: DestinationRefusal
  /** @param reason - which kind of address it was */
  constructor(reason: DestinationRefusal) {
    super(`the webhook destination is a ${reason} address, which igtoken does not send to`)
    this.reason = reason
  }
}

/** Resolves a host name to its addresses (injectable for tests). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true })

/**
 * The one rule for where webhooks may go, checked when a subscriber is added (by name) and again
 * at each delivery (by address, resolved once here and pinned, so DNS rebinding cannot swap it).
 * @throws {DestinationRefusedError} for a refused address, or a name that does not resolve
 */
export async function checkDestination(
  url: string | URL,
  allow: DestinationAllowList,
  resolve: Resolver = systemResolver,
): Promise<CheckedDestination> {
  const parsed = new URL(url)
  const hostname = parsed.hostname.replace(/^\[|\]$/g, '')
  const literal = isIP(hostname)
  let candidates: readonly { address: string; family: number }[]
  if (literal !== 0) candidates = [{ address: hostname, family: literal }]
  else {
    if (isLocalName(hostname) && !allow.allowsHost(hostname)) {
      throw new DestinationRefusedError('loopback')
    }
    try {
      candidates = await resolve(hostname)
    } catch {
      throw new DestinationRefusedError('unresolvable')
    }
  }
  if (candidates.length === 0) throw new DestinationRefusedError('unresolvable')
  const byName = literal === 0 && allow.allowsHost(hostname)
  // Every address must pass: a name that resolves to one public and one internal address is
  // refused, or a connection could be steered to the internal one.
  for (const candidate of candidates) {
    const reason = refusedAddress(candidate.address)
    if (reason !== undefined && !byName && !allow.allowsAddress(candidate.address)) {
      throw new DestinationRefusedError(reason)
    }
  }
  const first = candidates[0] as { address: string; family: number }
  return { url: parsed, address: first.address, family: first.family === 6 ? 6 : 4 }
}

/**
 * The check a subscriber's URL meets when it is added: literal addresses and local names are
 * refused at once; names are resolved when they can be (an offline machine cannot tell yet, and
 * every delivery checks again before it connects).
 * @throws {DestinationRefusedError}
 */
export async function checkSubscriberDestination(
  url: string,
  allow: DestinationAllowList,
  resolve: Resolver = systemResolver,
): Promise<void> {
  try {
    await checkDestination(url, allow, resolve)
  } catch (error) {
    if (error instanceof DestinationRefusedError && error.reason === 'unresolvable') return
    throw error
  }
}

function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain'
}
