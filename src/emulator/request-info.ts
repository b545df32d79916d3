import type { FastifyRequest } from 'fastify'
import type { FaultDecision } from './faults.js'

/** The Meta hosts the emulator serves, each under a path prefix of its own name. */
export const META_HOSTS = [
  'www.instagram.com',
  'api.instagram.com',
  'graph.instagram.com',
  'www.facebook.com',
  'graph.facebook.com',
] as const

/** One of {@link META_HOSTS}. */
export type MetaHost = (typeof META_HOSTS)[number]

/** What the hooks and handlers know about a request; logged without secrets. */
export interface RequestInfo {
  host: MetaHost | undefined
  /** Path on the Meta host, without the query. */
  path: string
  /** Segments after the optional `/vNN.N` version. */
  segments: string[]
  version: string | undefined
  endpoint: string
  appId?: string
  userId?: string
  tokenFingerprint?: string
  fault?: FaultDecision
}

/** Stored on a property declared with `decorateRequest` (a WeakMap costs GC time under load). */
interface WithInfo {
  emulatorInfo: RequestInfo | null
}
const VERSION = /^v\d+\.\d+$/

function endpointName(host: MetaHost | undefined, s: string[]): string {
  const [a, b, c] = s
  switch (host) {
    case 'www.instagram.com':
      return a === 'oauth' && b === 'authorize' && !c ? 'ig.authorize' : 'ig.www_unknown'
    case 'api.instagram.com':
      if (a === 'oauth' && b === 'authorize' && !c) return 'ig.api_authorize'
      if (a === 'oauth' && b === 'access_token' && !c) return 'ig.oauth_access_token'
      return 'ig.api_unknown'
    case 'www.facebook.com':
      return a === 'dialog' && b === 'oauth' && !c ? 'fb.dialog_oauth' : 'fb.www_unknown'
    case 'graph.instagram.com':
    case 'graph.facebook.com': {
      const p = host === 'graph.instagram.com' ? 'ig' : 'fb'
      if (p === 'ig' && s.length === 1 && a === 'access_token') return 'ig.access_token'
      if (p === 'ig' && s.length === 1 && a === 'refresh_access_token') {
        return 'ig.refresh_access_token'
      }
      if (p === 'fb' && s.length === 2 && a === 'oauth' && b === 'access_token') {
        return 'fb.oauth_access_token'
      }
      if (p === 'fb' && s.length === 1 && a === 'debug_token') return 'fb.debug_token'
      if (a === undefined || a === '' || s.length > 2) return `${p}.unknown`
      const node = a === 'me' ? 'me' : 'node'
      if (b === undefined) return `${p}.${node}`
      if (b === 'media' || b === 'children' || b === 'accounts') return `${p}.${node}_${b}`
      return `${p}.${node}_unknown`
    }
    default:
      return 'unknown'
  }
}

/** Splits `/graph.instagram.com/v22.0/me/media?x` into host, version, segments and endpoint. */
export function classifyUrl(url: string): RequestInfo {
  const q = url.indexOf('?')
  const full = q === -1 ? url : url.slice(0, q)
  const slash = full.indexOf('/', 1)
  const hostPart = slash === -1 ? full.slice(1) : full.slice(1, slash)
  const host = (META_HOSTS as readonly string[]).includes(hostPart)
    ? (hostPart as MetaHost)
    : undefined
  const path = slash === -1 ? '/' : full.slice(slash)
  let segments = path.split('/').slice(1)
  if (segments.at(-1) === '' && segments.length > 1) segments = segments.slice(0, -1)
  let version: string | undefined
  if (segments[0] !== undefined && VERSION.test(segments[0])) {
    version = segments[0]
    segments = segments.slice(1)
  }
  return {
    host,
    path,
    segments,
    version,
    endpoint: endpointName(host, segments),
  }
}

/** Attaches the classification to a request. */
export function setInfo(req: FastifyRequest, info: RequestInfo): void {
  ;(req as unknown as WithInfo).emulatorInfo = info
}

/** The classification of a request (classified lazily if a hook did not run). */
export function infoOf(req: FastifyRequest): RequestInfo {
  const holder = req as unknown as WithInfo
  return (holder.emulatorInfo ??= classifyUrl(req.url))
}
