import { loadConfig } from '../config.js'
import type { Config } from '../config.js'
import { migrateToLatest, openStore } from '../store/index.js'
import type { Store } from '../store/index.js'

/** Opens (and migrates) the database the service uses, for operator commands. */
export async function openConfiguredStore(): Promise<{ config: Config; store: Store }> {
  const config = loadConfig()
  const store = await openStore(config.databaseUrl)
  try {
    await migrateToLatest(store)
  } catch (error) {
    await store.close()
    throw error
  }
  return { config, store }
}
