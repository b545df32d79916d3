import type { CallbackRecord, InFlightRequest, RequestLogEntry } from '../state.js'
import type {
  EmulatorApp,
  EmulatorConfig,
  EmulatorUserInput,
  FaultsConfig,
  FlavorName,
  LimitsConfig,
} from '../types.js'

/** An app as the control API lists it (without secrets). */
export type PublicEmulatorApp = Omit<EmulatorApp, 'metaAppSecret' | 'instagramAppSecret'>

/** Filter of {@link EmulatorControlClient.requests}. */
export interface RequestLogFilter {
  endpoint?: string
  host?: string
  appId?: string
  userId?: string
  status?: number
  method?: string
  sinceSeq?: number
}

/** The emulator clock. */
export interface EmulatorClock {
  now: number
  iso: string
}

/** A control API refusal, with the API's `code`. */
export class EmulatorControlError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'EmulatorControlError'
    this.status = status
    this.code = code
  }
}

/**
 * Typed client of the emulator's control API (`/_emulator/…`).
 * @example
 * const control = new EmulatorControlClient('http://127.0.0.1:8788')
 * await control.advanceClock(61 * 86400_000)
 */
export class EmulatorControlClient {
  private readonly base: string
  private readonly fetchFn: typeof fetch

  /**
   * @param baseUrl the emulator URL, e.g. `http://127.0.0.1:8788`
   * @param opts.fetch a fetch implementation (default the global one)
   */
  constructor(baseUrl: string, opts: { fetch?: typeof fetch } = {}) {
    this.base = `${baseUrl.replace(/\/+$/, '')}/_emulator`
    this.fetchFn = opts.fetch ?? fetch
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method }
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' }
      init.body = JSON.stringify(body)
    }
    const res = await this.fetchFn(this.base + path, init)
    const data = (await res.json()) as T & { error?: { code: string; message: string } }
    if (!res.ok) {
      throw new EmulatorControlError(
        res.status,
        data.error?.code ?? 'error',
        data.error?.message ?? res.statusText,
      )
    }
    return data
  }

  /** Lists the apps (without secrets). */
  async apps(): Promise<PublicEmulatorApp[]> {
    return (await this.call<{ apps: PublicEmulatorApp[] }>('GET', '/apps')).apps
  }

  /** Registers an app. */
  async addApp(app: EmulatorApp): Promise<PublicEmulatorApp> {
    return (await this.call<{ app: PublicEmulatorApp }>('POST', '/apps', app)).app
  }

  /** Changes an app (by either id); ids cannot change. */
  async updateApp(
    id: string,
    patch: Partial<Omit<EmulatorApp, 'metaAppId' | 'instagramAppId'>>,
  ): Promise<PublicEmulatorApp> {
    return (
      await this.call<{ app: PublicEmulatorApp }>('PATCH', `/apps/${encodeURIComponent(id)}`, patch)
    ).app
  }

  /** Lists the users (media as ids). */
  async users(): Promise<Record<string, unknown>[]> {
    return (await this.call<{ users: Record<string, unknown>[] }>('GET', '/users')).users
  }

  /** Adds a user; returns it with generated ids. */
  async addUser(user: EmulatorUserInput): Promise<Record<string, unknown> & { id: string }> {
    return (
      await this.call<{ user: Record<string, unknown> & { id: string } }>('POST', '/users', user)
    ).user
  }

  /** Reads the emulator clock. */
  getClock(): Promise<EmulatorClock> {
    return this.call('GET', '/clock')
  }

  /** Sets the emulator clock (epoch ms or ISO string). */
  setClock(now: number | string): Promise<EmulatorClock> {
    return this.call('PUT', '/clock', { now })
  }

  /** Moves the emulator clock forward by `ms`. */
  advanceClock(ms: number): Promise<EmulatorClock> {
    return this.call('POST', '/clock/advance', { ms })
  }

  /** Replaces the fault rules. */
  async setFaults(faults: FaultsConfig): Promise<void> {
    await this.call('PUT', '/faults', faults)
  }

  /** Removes every fault rule. */
  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults')
  }

  /** Changes throttling thresholds (and resets the counters). */
  async setLimits(limits: LimitsConfig): Promise<Required<LimitsConfig>> {
    return (await this.call<{ limits: Required<LimitsConfig> }>('PUT', '/limits', limits)).limits
  }

  /** Changes behaviour switches at run time (see EmulatorConfig). */
  async setConfig(
    patch: Omit<EmulatorConfig, 'limits' | 'faults' | 'startTime'>,
  ): Promise<Record<string, unknown>> {
    return (await this.call<{ config: Record<string, unknown> }>('PATCH', '/config', patch)).config
  }

  /** The user removes the app: tokens fail with 190/458 and the deauthorize URL is called. */
  revoke(input: {
    userId: string
    appId: string
  }): Promise<{ invalidatedTokens: number; callbacks: CallbackRecord[] }> {
    return this.call('POST', '/revoke', input)
  }

  /**
   * Sets which of a Facebook user's Pages they grant an app (`null`: all, the default); Page
   * tokens of Pages taken out stop working (190/467).
   * @returns the granted Page ids
   */
  async setGrantedPages(input: {
    userId: string
    appId: string
    pageIds: string[] | null
  }): Promise<string[]> {
    const path = `/users/${encodeURIComponent(input.userId)}/granted-pages`
    const body = { appId: input.appId, pageIds: input.pageIds }
    return (await this.call<{ pageIds: string[] }>('PUT', path, body)).pageIds
  }

  /** Invalidates one Page's tokens (190/467), of one app or all; other tokens keep working. */
  revokePageTokens(input: {
    userId: string
    pageId: string
    appId?: string
  }): Promise<{ revoked: number }> {
    return this.call('POST', '/page-tokens/revoke', input)
  }

  /** The user changes their password: their tokens fail with 190/460. */
  changePassword(input: { userId: string }): Promise<{ invalidatedTokens: number }> {
    return this.call('POST', '/change-password', input)
  }

  /** The user asks for deletion: a signed_request to the data-deletion URL, reply checked. */
  deleteData(input: { userId: string; appId: string }): Promise<{ callbacks: CallbackRecord[] }> {
    return this.call('POST', '/delete-data', input)
  }

  /** Every callback delivery so far. */
  async callbacks(): Promise<CallbackRecord[]> {
    return (await this.call<{ callbacks: CallbackRecord[] }>('GET', '/callbacks')).callbacks
  }

  /** Back to the start: apps, users, config and clock as given at start-up. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset')
  }

  /** The request log, optionally filtered. */
  async requests(filter: RequestLogFilter = {}): Promise<RequestLogEntry[]> {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) qs.set(k, String(v))
    const q = qs.toString()
    return (await this.call<{ requests: RequestLogEntry[] }>('GET', `/requests${q ? `?${q}` : ''}`))
      .requests
  }

  /**
   * Requests that have arrived and are not answered yet (e.g. held by a latency fault): wait for
   * one to know a client's call is in flight.
   */
  async requestsInFlight(
    filter: Pick<RequestLogFilter, 'endpoint' | 'host' | 'method'> = {},
  ): Promise<InFlightRequest[]> {
    const qs = new URLSearchParams({ inFlight: 'true' })
    for (const [k, v] of Object.entries(filter)) qs.set(k, v)
    return (await this.call<{ requests: InFlightRequest[] }>('GET', `/requests?${qs.toString()}`))
      .requests
  }

  /** Mints authorization codes as if the user had pressed Allow. */
  mintCodes(input: {
    appId: string
    userId: string
    flavor?: FlavorName
    redirectUri?: string
    scopes?: string[]
    count?: number
  }): Promise<{ codes: string[]; redirectUri: string }> {
    return this.call('POST', '/codes', input)
  }

  /** Mints a token directly (short, long or page), issued now on the emulator clock. */
  mintToken(input: {
    appId: string
    userId: string
    flavor?: FlavorName
    kind?: 'short' | 'long' | 'page'
    pageId?: string
    scopes?: string[]
  }): Promise<{ access_token: string; user_id: string; expires_at: number }> {
    return this.call('POST', '/tokens', input)
  }
}
