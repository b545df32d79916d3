import type { FlavorName, MetaClient } from '../meta/index.js'
import type { Keyring, Store } from '../store/index.js'

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
  readonly now: () => number
}
