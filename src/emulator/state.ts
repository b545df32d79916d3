import { createHash, randomFillSync } from 'node:crypto'
import { generateMedia } from './media.js'
import { restoreSnapshot, takeSnapshot } from './snapshot.js'
import type { EmulatorSnapshot } from './snapshot.js'
import {
  ALL_FLAVORS,
  type EmulatorApp,
  type EmulatorConfig,
  type EmulatorMedia,
  type EmulatorUser,
  type EmulatorUserInput,
  type FlavorName,
} from './types.js'

/** Config with every default filled in. */
export type ResolvedConfig = Required<
  Omit<EmulatorConfig, 'callbackSecret' | 'startTime' | 'limits' | 'faults'>
> &
  Pick<EmulatorConfig, 'callbackSecret'> & {
    limits: { windowMs: number; appCalls: number; userCalls: number }
  }

/** Fills the defaults; generous limits so that normal tests never throttle. */
export function resolveConfig(config: EmulatorConfig = {}): ResolvedConfig {
  const resolved: ResolvedConfig = {
    graphVersion: config.graphVersion ?? 'v25.0',
    shortLivedTokenSec: config.shortLivedTokenSec ?? 3600,
    longLivedTokenSec: config.longLivedTokenSec ?? 5183944,
    codeLifetimeSec: config.codeLifetimeSec ?? 3600,
    refreshMinAgeSec: config.refreshMinAgeSec ?? 86400,
    instagramExchangeShape: config.instagramExchangeShape ?? 'flat',
    basicDisplay: config.basicDisplay ?? 'shut-down',
    developmentModeRefusal: config.developmentModeRefusal ?? 'unsupported-request',
    refreshInvalidatesOld: config.refreshInvalidatesOld ?? false,
    refreshReturnsSameToken: config.refreshReturnsSameToken ?? false,
    acceptUntimedAppsecretProof: config.acceptUntimedAppsecretProof ?? true,
    appsecretProofOnInstagramGraph: config.appsecretProofOnInstagramGraph ?? false,
    dataAccessSec: config.dataAccessSec ?? 90 * 86400,
    pageSize: config.pageSize ?? 25,
    callbackTimeoutMs: config.callbackTimeoutMs ?? 5000,
    requestLogLimit: config.requestLogLimit ?? 10000,
    limits: {
      windowMs: config.limits?.windowMs ?? 3_600_000,
      appCalls: config.limits?.appCalls ?? 10_000_000,
      userCalls: config.limits?.userCalls ?? 10_000_000,
    },
  }
  if (config.callbackSecret !== undefined) resolved.callbackSecret = config.callbackSecret
  return resolved
}

/** Kinds of token the emulator mints. */
export type TokenKind =
  'ig-short' | 'ig-long' | 'bd-short' | 'bd-long' | 'fb-user-short' | 'fb-user-long' | 'fb-page'

/** Why a token stopped working, as the Graph subcode says it. */
export type InvalidReason = 458 | 460 | 467

/** A minted access token. Times are emulator epoch ms; `expiresAt` 0 means never. */
export interface TokenRecord {
  token: string
  fingerprint: string
  kind: TokenKind
  flavor: FlavorName
  app: EmulatorApp
  userId: string
  /** The id the app sees for this user (code exchange `user_id`, `/me` `id`). */
  appScopedId: string
  pageId?: string
  scopes: string[]
  issuedAt: number
  expiresAt: number
  invalid?: InvalidReason
}

/** A minted authorization code. */
export interface CodeRecord {
  flavor: FlavorName
  app: EmulatorApp
  redirectUri: string
  userId: string
  scopes: string[]
  issuedAt: number
  used: boolean
}

/** One request log entry; never carries tokens, codes or secrets. `time` is emulator epoch ms. */
export interface RequestLogEntry {
  seq: number
  time: number
  method: string
  host: string
  path: string
  endpoint: string
  status: number
  appId?: string
  userId?: string
  tokenFingerprint?: string
}

/**
 * A Meta request that has arrived and has no answer yet (held by a latency or hold fault, or
 * still being served). Lets a test wait for "the call is in flight" instead of sleeping.
 */
export interface InFlightRequest {
  /** Emulator epoch ms at arrival. */
  since: number
  method: string
  host: string
  path: string
  endpoint: string
}

/** One deauthorize or data-deletion delivery. */
export interface CallbackRecord {
  kind: 'deauthorize' | 'data-deletion'
  url: string
  appId: string
  userId: string
  appScopedId: string
  flavor: FlavorName
  time: string
  status?: number
  error?: string
  reply?: unknown
  /** For data deletion: `ok`, or why the reply breaks Meta's contract. */
  verdict?: string
}

/** First 12 hex of sha256: enough to correlate log lines, useless to an attacker. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12)
}

// One crypto call per 16 KiB of randomness instead of one per code or token.
const POOL = Buffer.allocUnsafe(16384)
let poolOffset = POOL.length

/** `bytes` random bytes as base64url. */
export function randomString(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL)
    poolOffset = 0
  }
  const s = POOL.toString('base64url', poolOffset, poolOffset + bytes)
  poolOffset += bytes
  return s
}

const TOKEN_PREFIX: Record<FlavorName, string> = {
  'instagram-login': 'IGAA',
  'basic-display': 'IGQV',
  'facebook-login': 'EAA',
}

/** The emulator's whole world, in memory. */
export class EmulatorState {
  config: ResolvedConfig
  private clockOffset = 0
  readonly apps: EmulatorApp[] = []
  readonly users = new Map<string, EmulatorUser>()
  readonly media = new Map<string, EmulatorMedia>()
  /** page id -> owning Facebook user id */
  readonly pageOwners = new Map<string, string>()
  readonly codes = new Map<string, CodeRecord>()
  readonly tokens = new Map<string, TokenRecord>()
  /** `${userTokenFingerprint}:${pageId}` -> page token, so /me/accounts answers stably. */
  readonly pageTokens = new Map<string, string>()
  /** `${metaAppId}:${userId}` -> the Pages the person granted the app (absent: all); see page-grants.ts */
  readonly grantedPages = new Map<string, Set<string>>()
  /** app-scoped id -> user id */
  readonly scopedIds = new Map<string, string>()
  private readonly scopedIdCache = new Map<string, string>()
  /** `${metaAppId}:${userId}` -> flavors the user authorised */
  readonly grants = new Map<string, Set<FlavorName>>()
  readonly log: RequestLogEntry[] = []
  /** Requests arrived and not yet answered (or dropped); see {@link begin}. */
  readonly inFlight = new Set<InFlightRequest>()
  readonly callbacks: CallbackRecord[] = []
  private seq = 0

  constructor(config: EmulatorConfig = {}) {
    this.config = resolveConfig(config)
    if (config.startTime !== undefined) this.setClock(config.startTime)
  }

  /** Emulator time, epoch ms. */
  now(): number {
    return Date.now() + this.clockOffset
  }

  /** Moves the clock to an absolute time (epoch ms or ISO string). */
  setClock(time: number | string): void {
    const ms = typeof time === 'number' ? time : Date.parse(time)
    if (!Number.isFinite(ms)) throw new TypeError('"now" must be epoch milliseconds or an ISO date')
    this.clockOffset = ms - Date.now()
  }

  /** Moves the clock forward (or back, with a negative value). */
  advanceClock(ms: number): void {
    this.clockOffset += ms
  }

  /** How far the clock is ahead of real time, ms. */
  get clockOffsetMs(): number {
    return this.clockOffset
  }

  /** Apps, users, tokens, grants, switches and the clock offset as JSON-ready data (see `snapshot.ts`). */
  snapshot(): EmulatorSnapshot {
    return takeSnapshot(this)
  }

  /**
   * Puts a {@link EmulatorState.snapshot} back (into a state built from the start options).
   * @throws TypeError when it is not a snapshot this version reads
   */
  restore(snapshot: EmulatorSnapshot): void {
    restoreSnapshot(this, snapshot)
  }

  /** Finds an app by either of its ids. */
  findApp(id: string): EmulatorApp | undefined {
    return this.apps.find((a) => a.metaAppId === id || a.instagramAppId === id)
  }

  /** Registers an app; ids must be unused. */
  addApp(app: EmulatorApp): EmulatorApp {
    for (const id of [app.metaAppId, app.instagramAppId]) {
      if (this.findApp(id)) throw new TypeError(`an app with id "${id}" exists already`)
    }
    const stored: EmulatorApp = { ...app, redirectUris: [...app.redirectUris] }
    this.apps.push(stored)
    return stored
  }

  /** Changes an app in place so that its tokens see the change. */
  updateApp(id: string, patch: Partial<EmulatorApp>): EmulatorApp {
    const app = this.findApp(id)
    if (!app) throw new TypeError(`no app with id "${id}"`)
    Object.assign(app, patch)
    return app
  }

  /** Adds a user, generating ids and media where absent. */
  addUser(input: EmulatorUserInput): EmulatorUser {
    const id = input.id ?? this.nextId(input.kind === 'instagram' ? '178414' : '1000')
    if (this.users.has(id)) throw new TypeError(`a user with id "${id}" exists already`)
    let user: EmulatorUser
    if (input.kind === 'instagram') {
      const media = generateMedia(id, input.username, input.mediaCount ?? 12)
      user = {
        kind: 'instagram',
        id,
        username: input.username,
        name: input.name ?? input.username,
        accountType: input.accountType,
        biography: input.biography ?? '',
        website: input.website ?? '',
        profilePictureUrl:
          input.profilePictureUrl ?? `https://scontent.cdninstagram.com/emulator/profile/${id}.jpg`,
        followersCount: input.followersCount ?? 1200,
        followsCount: input.followsCount ?? 150,
        media: media.top,
      }
      for (const m of media.all) this.media.set(m.id, m)
    } else {
      const pages = (input.pages ?? []).map((p) => {
        const page: { id: string; name: string; instagramUserId?: string } = {
          id: p.id ?? this.nextId('1000'),
          name: p.name,
        }
        if (p.instagramUserId !== undefined) page.instagramUserId = p.instagramUserId
        return page
      })
      for (const page of pages) {
        if (page.instagramUserId !== undefined && !this.users.has(page.instagramUserId)) {
          throw new TypeError(
            `page "${page.name}" links unknown Instagram user "${page.instagramUserId}"`,
          )
        }
        this.pageOwners.set(page.id, id)
      }
      user = { kind: 'facebook', id, name: input.name, pages }
    }
    this.users.set(id, user)
    return user
  }

  private nextId(prefix: string): string {
    let id: string
    do {
      id =
        prefix +
        String(100_000_000_000 + this.users.size * 7919 + this.seq++).slice(-17 + prefix.length)
    } while (this.users.has(id) || this.pageOwners.has(id))
    return id
  }

  /**
   * The app-scoped id of a user: deterministic per app and flavor family, 17 digits, so it is
   * above Number.MAX_SAFE_INTEGER like Meta's documented samples.
   */
  appScopedId(app: EmulatorApp, flavor: FlavorName, userId: string): string {
    const appKey = flavor === 'facebook-login' ? app.metaAppId : app.instagramAppId
    const cacheKey = `${appKey}:${flavor === 'facebook-login' ? 'f' : 'i'}:${userId}`
    const cached = this.scopedIdCache.get(cacheKey)
    if (cached !== undefined) return cached
    const digest = createHash('sha256').update(`${appKey}:${userId}`).digest()
    const digits = (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '0')
    const id = (flavor === 'facebook-login' ? '1' : '2') + digits
    this.scopedIds.set(id, userId)
    this.scopedIdCache.set(cacheKey, id)
    return id
  }

  /** Mints an authorization code bound to app, redirect URI and user. */
  mintCode(record: Omit<CodeRecord, 'issuedAt' | 'used'>): string {
    const code = `AQ${randomString(96)}`
    this.codes.set(code, { ...record, issuedAt: this.now(), used: false })
    return code
  }

  /** Mints an access token. `lifetimeSec` 0 means it never expires. */
  mintToken(input: {
    kind: TokenKind
    flavor: FlavorName
    app: EmulatorApp
    userId: string
    scopes: string[]
    lifetimeSec: number
    pageId?: string
  }): TokenRecord {
    const token = TOKEN_PREFIX[input.flavor] + randomString(60)
    const issuedAt = this.now()
    const record: TokenRecord = {
      token,
      fingerprint: fingerprint(token),
      kind: input.kind,
      flavor: input.flavor,
      app: input.app,
      userId: input.userId,
      appScopedId: this.appScopedId(input.app, input.flavor, input.userId),
      scopes: input.scopes,
      issuedAt,
      expiresAt: input.lifetimeSec === 0 ? 0 : issuedAt + input.lifetimeSec * 1000,
    }
    if (input.pageId !== undefined) record.pageId = input.pageId
    this.tokens.set(token, record)
    const key = `${input.app.metaAppId}:${input.userId}`
    let flavors = this.grants.get(key)
    if (!flavors) this.grants.set(key, (flavors = new Set()))
    flavors.add(input.flavor)
    return record
  }

  /** Enabled flavors of an app. */
  flavorsOf(app: EmulatorApp): readonly FlavorName[] {
    return app.flavors ?? ALL_FLAVORS
  }

  /** Counts a request as in flight until the returned function is called (once it is answered). */
  begin(entry: Omit<InFlightRequest, 'since'>): () => void {
    const stored: InFlightRequest = { ...entry, since: this.now() }
    this.inFlight.add(stored)
    return () => this.inFlight.delete(stored)
  }

  /** Appends to the bounded request log. */
  record(entry: Omit<RequestLogEntry, 'seq' | 'time'> & Partial<RequestLogEntry>): void {
    const stored = entry as RequestLogEntry
    stored.seq = ++this.seq
    stored.time = this.now()
    this.log.push(stored)
    // Trimming in batches keeps the per-request cost flat under load.
    if (this.log.length > this.config.requestLogLimit + 1000) {
      this.log.splice(0, this.log.length - this.config.requestLogLimit)
    }
  }

  /** Instagram user by id, or undefined. */
  igUser(id: string): Extract<EmulatorUser, { kind: 'instagram' }> | undefined {
    const u = this.users.get(id)
    return u?.kind === 'instagram' ? u : undefined
  }

  /** Facebook user by id, or undefined. */
  fbUser(id: string): Extract<EmulatorUser, { kind: 'facebook' }> | undefined {
    const u = this.users.get(id)
    return u?.kind === 'facebook' ? u : undefined
  }
}
