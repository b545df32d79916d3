import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createBrokerContext } from '../broker/context.js'
import type { BrokerContext } from '../broker/context.js'
import { loadConfig } from '../config.js'
import type { Config } from '../config.js'
import { DEMO_APP } from '../emulator/seed.js'
import { storeOptionsOf } from '../server/store-options.js'
import { migrateToLatest, openStore, parseKeyring } from '../store/index.js'
import type { Keyring, Store } from '../store/index.js'
import { EXIT } from './exit-codes.js'
import { CliError } from './output.js'

/** Opens (and migrates) the database the service uses, for operator commands. */
export async function openConfiguredStore(): Promise<{ config: Config; store: Store }> {
  const config = loadConfig()
  const store = await openStore(config.databaseUrl, storeOptionsOf(config))
  try {
    await migrateToLatest(store)
  } catch (error) {
    await store.close()
    throw error
  }
  return { config, store }
}

/**
 * The keyring the service seals tokens with: IGTOKEN_ENCRYPTION_KEYS, or in demo mode the key the
 * service generated into its data folder.
 *
 * @throws {CliError} usage when there is none or it does not parse
 */
export function configuredKeyring(config: Config): Keyring {
  let text = config.encryptionKeys
  if (text === undefined && config.demo) {
    const file = join(config.dataDir, 'demo-encryption-key')
    if (existsSync(file)) text = readFileSync(file, 'utf8').trim()
  }
  if (text === undefined) {
    throw new CliError('IGTOKEN_ENCRYPTION_KEYS is not set', {
      exit: EXIT.usage,
      code: 'no_keys',
      fix: 'set it to the same value the service uses (igtoken encryption-key makes a new one)',
    })
  }
  try {
    return parseKeyring(text)
  } catch (error) {
    throw new CliError(
      `IGTOKEN_ENCRYPTION_KEYS: ${error instanceof Error ? error.message : 'is not valid'}`,
      { exit: EXIT.usage, code: 'bad_keys' },
    )
  }
}

/** Where the configured service meets Meta: the emulator URL in demo mode or when set. */
export function configuredMetaTarget(config: Config): {
  appId: string
  appSecret: string
  emulatorUrl: string | undefined
} {
  if (config.demo) {
    // The demo app's credentials are public and work only against the emulator.
    const facebook = config.flavor === 'facebook-login'
    return {
      appId: facebook ? DEMO_APP.metaAppId : DEMO_APP.instagramAppId,
      appSecret: facebook ? DEMO_APP.metaAppSecret : DEMO_APP.instagramAppSecret,
      emulatorUrl: config.emulatorUrl ?? `http://127.0.0.1:${config.emulatorPort}`,
    }
  }
  return {
    appId: config.appId ?? '',
    appSecret: config.appSecret ?? '',
    emulatorUrl: config.emulatorUrl,
  }
}

/** A broker context over the configured database and Meta, for `accounts refresh`. */
export async function openBrokerContext(): Promise<{
  config: Config
  store: Store
  ctx: BrokerContext
}> {
  const { config, store } = await openConfiguredStore()
  try {
    const keyring = configuredKeyring(config)
    const target = configuredMetaTarget(config)
    const ctx = createBrokerContext(config, {
      store,
      keyring,
      appId: target.appId,
      appSecret: target.appSecret,
      emulatorUrl: target.emulatorUrl,
      callbackSecrets: [config.appSecret, config.metaAppSecret].filter(
        (s): s is string => s !== undefined,
      ),
    })
    return { config, store, ctx }
  } catch (error) {
    await store.close()
    throw error
  }
}
