import { checkEventDetail, insertConnectLink } from '../../store/index.js'
import { checkConnectLabel } from '../connect.js'
import type { BrokerContext } from '../context.js'
import type { EventData } from '../effects/index.js'
import { checkReturnTo } from '../return-to.js'
import { randomSecret } from '../secrets.js'
import { ServiceError } from '../service-error.js'
import { connectLinkView } from './link-view.js'
import type { ConnectLinkView } from './link-view.js'

/** What an agency may say about a new link. */
export interface CreateConnectLinkInput {
  readonly label?: string | undefined
  /** The agency's own facts (e.g. its customer id), echoed on `account.connected`. */
  readonly metadata?: unknown
  /** A subset of the flavor's scopes; default the service's. */
  readonly scopes?: readonly string[] | undefined
  readonly returnTo?: string | undefined
  /** Default 7 days, at most 30. */
  readonly expiresInSeconds?: number | undefined
}

/** A new link: the only time its URL (with the secret) exists. */
export interface CreatedConnectLink {
  readonly link: ConnectLinkView
  /** `IGTOKEN_PUBLIC_URL/link/<secret>`: show it once, it cannot be read back. */
  readonly url: string
}

const DAY_SECONDS = 86_400
/** The default lifetime of a link. */
export const DEFAULT_LINK_SECONDS = 7 * DAY_SECONDS
/** The longest a link may live. */
export const MAX_LINK_SECONDS = 30 * DAY_SECONDS
const MIN_LINK_SECONDS = 60
const MAX_METADATA_KEYS = 20
const MAX_METADATA_CHARS = 1000

/**
 * Creates a single-use connect link. Only the SHA-256 of its secret is stored; every value is
 * checked before anything is written.
 * @throws {ServiceError} `invalid_request` (label, metadata, scopes, expiry) or `return_to_refused`
 */
export async function createConnectLink(
  ctx: BrokerContext,
  input: CreateConnectLinkInput,
): Promise<CreatedConnectLink> {
  const label = checkConnectLabel(input.label)
  const metadata = checkMetadata(input.metadata)
  const scopes = checkLinkScopes(ctx, input.scopes)
  const returnTo = checkReturnTo(input.returnTo, ctx.publicUrl, ctx.returnOrigins) ?? null
  const seconds = input.expiresInSeconds ?? DEFAULT_LINK_SECONDS
  if (!Number.isSafeInteger(seconds) || seconds < MIN_LINK_SECONDS || seconds > MAX_LINK_SECONDS) {
    throw new ServiceError(
      'invalid_request',
      `"expires_in_seconds" must be a whole number from ${MIN_LINK_SECONDS} to ${MAX_LINK_SECONDS} (30 days)`,
    )
  }
  const secret = randomSecret()
  const now = ctx.now()
  const row = await insertConnectLink(ctx.store, {
    secret,
    label,
    metadata,
    scopes,
    returnTo,
    now,
    expiresAt: now + seconds * 1000,
  })
  return { link: connectLinkView(row, now), url: `${ctx.publicUrl}/link/${secret}` }
}

function checkLinkScopes(ctx: BrokerContext, scopes: readonly string[] | undefined): string[] {
  if (scopes === undefined || scopes.length === 0) return []
  const known = ctx.meta.flavor.knownScopes
  const unknown = scopes.find((scope) => typeof scope !== 'string' || !known.includes(scope))
  if (unknown !== undefined) {
    throw new ServiceError(
      'invalid_request',
      `"scopes" may only name scopes of ${ctx.flavor}: ${known.join(', ')}`,
    )
  }
  return [...new Set(scopes)]
}

/** Metadata is screened like event details: it travels on `account.connected`. */
function checkMetadata(metadata: unknown): string {
  if (metadata === undefined || metadata === null) return '{}'
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ServiceError('invalid_request', '"metadata" must be an object of plain values')
  }
  if (Object.keys(metadata).length > MAX_METADATA_KEYS) {
    throw new ServiceError(
      'invalid_request',
      `"metadata" may hold at most ${MAX_METADATA_KEYS} keys`,
    )
  }
  let json: string
  try {
    json = checkEventDetail(metadata as EventData, 'metadata')
  } catch (error) {
    throw new ServiceError(
      'invalid_request',
      error instanceof Error ? error.message : '"metadata" is refused',
    )
  }
  if (json.length > MAX_METADATA_CHARS) {
    throw new ServiceError(
      'invalid_request',
      `"metadata" must be at most ${MAX_METADATA_CHARS} characters as JSON`,
    )
  }
  return json
}
