import type { Config } from '../config.js'
import { createMetaClient, emulatorBaseUrls } from '../meta/index.js'
import type { FlavorName, MetaClient, UsageReading } from '../meta/index.js'
import type { Keyring, Store } from '../store/index.js'
import { ChangeHub } from './effects/change-hub.js'

/** What the domain needs: the store, the keyring, Meta, and a few settings. */
export interface BrokerContext {
  readonly store: Store
  readonly keyring: Keyring
  readonly meta: MetaClient
  readonly flavor: FlavorName
  /** Scopes to request; undefined = the flavor's defaults. */
  readonly scopes: readonly string[] | undefined
  /** Where the service is reached from a browser (no trailing slash). */
  readonly publicUrl: string
  /** The redirect URI registered with Meta; its path is where the service takes the callback. */
  readonly redirectUri: string
  readonly connectStateTtlMs: number
  /** Secrets that may sign Meta's callbacks (which one Meta uses for Instagram apps is unconfirmed). */
  readonly callbackSecrets: readonly string[]
  /** Read a token through the API within this long of expiry: refresh it first. */
  readonly refreshOnReadWithinMs: number
  /** Origins besides `publicUrl` a `return_to` may name (`IGTOKEN_CONNECT_LINK_RETURN_ORIGINS`). */
  readonly returnOrigins?: readonly string[]
  readonly now: () => number
  /** Where committed changes are published, so this process's caches forget what changed. */
  readonly changes: ChangeHub
}

/** What {@link createBrokerContext} needs beyond the configuration. */
export interface BrokerParts {
  readonly store: Store
  readonly keyring: Keyring
  /** The app pair the flavor signs in with (the Instagram pair for Instagram flavors). */
  readonly appId: string
  readonly appSecret: string
  /** Every Meta host answered by this emulator instead (demo mode, tests, `IGTOKEN_META_EMULATOR_URL`). */
  readonly emulatorUrl: string | undefined
  readonly callbackSecrets: readonly string[]
  readonly now?: () => number
  /** Told about Meta's usage headers on every answer (the refresh throttle listens here). */
  readonly onUsage?: (usage: UsageReading) => void
  /** The process's hub; default a new one. */
  readonly changes?: ChangeHub
}

/**
 * The one way `serve`, `worker` and the CLI build the domain's context from a configuration, so
 * that they talk to Meta and the store alike.
 */
export function createBrokerContext(
  config: Pick<
    Config,
    | 'flavor'
    | 'scopes'
    | 'publicUrl'
    | 'redirectUri'
    | 'graphVersion'
    | 'connectStateTtlMs'
    | 'refreshOnReadWithinMs'
  > &
    Partial<Pick<Config, 'returnOrigins'>>,
  parts: BrokerParts,
): BrokerContext {
  const now = parts.now ?? Date.now
  const meta = createMetaClient({
    flavor: config.flavor,
    appId: parts.appId,
    appSecret: parts.appSecret,
    redirectUri: config.redirectUri,
    graphVersion: config.graphVersion,
    now,
    ...(parts.onUsage === undefined ? {} : { onUsage: parts.onUsage }),
    ...(parts.emulatorUrl === undefined ? {} : { baseUrls: emulatorBaseUrls(parts.emulatorUrl) }),
  })
  return {
    store: parts.store,
    keyring: parts.keyring,
    meta,
    flavor: config.flavor,
    scopes: config.scopes,
    publicUrl: config.publicUrl,
    redirectUri: config.redirectUri,
    connectStateTtlMs: config.connectStateTtlMs,
    callbackSecrets: parts.callbackSecrets,
    refreshOnReadWithinMs: config.refreshOnReadWithinMs,
    returnOrigins: config.returnOrigins ?? [],
    now,
    changes: parts.changes ?? new ChangeHub(),
  }
}
