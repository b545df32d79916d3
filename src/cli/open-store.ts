import { openRuntime } from '../app/runtime.js'
import type { Runtime } from '../app/runtime.js'
import { openKeyring } from '../app/keyring.js'
import type { BrokerContext } from '../broker/context.js'
import { loadConfig } from '../config.js'
import type { Config } from '../config.js'
import type { Keyring, Store } from '../app/operations.js'

/**
 * The `cli` runtime over the configured database and Meta (`.env` and `IGTOKEN_*` through
 * config.ts, like the service); nothing runs in the background. Close it when done.
 */
export async function openCliRuntime(): Promise<Runtime> {
  return openRuntime(loadConfig(), { role: 'cli' })
}

/** Opens (and migrates) the database the service uses, for operator commands. */
export async function openConfiguredStore(): Promise<{ config: Config; store: Store }> {
  const runtime = await openCliRuntime()
  return { config: runtime.config, store: runtime.store }
}

/**
 * The keyring the service seals tokens with (see {@link openKeyring}).
 * @throws {StartupError} when there is none or it does not parse
 */
export function configuredKeyring(config: Config): Keyring {
  return openKeyring(config)
}

/** A broker context over the configured database and Meta, for `accounts refresh`. */
export async function openBrokerContext(): Promise<{
  config: Config
  store: Store
  ctx: BrokerContext
}> {
  const runtime = await openCliRuntime()
  return { config: runtime.config, store: runtime.store, ctx: runtime.ctx }
}
