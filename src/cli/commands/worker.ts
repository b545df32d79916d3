import { createRefreshRuntime } from '../../broker/refresh-runtime.js'
import { createBrokerContext } from '../../broker/context.js'
import { Throttle } from '../../broker/throttle.js'
import { loadConfig } from '../../config.js'
import { storeOptionsOf } from '../../server/store-options.js'
import { migrateToLatest, openStore, parseKeyring } from '../../store/index.js'
import { EXIT } from '../exit-codes.js'

/**
 * `igtoken worker`: the refresh engine and webhook delivery alone, without the HTTP service —
 * for running several refreshers against one database. Stops gracefully on SIGINT/SIGTERM:
 * refreshes already talking to Meta finish, claimed-but-unstarted tokens are given back.
 */
export async function workerCommand(opts: { once?: boolean }): Promise<void> {
  const config = loadConfig()
  if (config.appId === undefined || config.appSecret === undefined) {
    process.stderr.write(
      'igtoken: the worker needs a real app (IGTOKEN_APP_ID, IGTOKEN_APP_SECRET, IGTOKEN_ENCRYPTION_KEYS); demo mode refreshes inside "igtoken serve"\n',
    )
    process.exitCode = EXIT.usage
    return
  }
  if (config.encryptionKeys === undefined) {
    process.stderr.write('igtoken: IGTOKEN_ENCRYPTION_KEYS is required\n')
    process.exitCode = EXIT.usage
    return
  }
  const keyring = parseKeyring(config.encryptionKeys)
  const store = await openStore(config.databaseUrl, storeOptionsOf(config))
  try {
    await migrateToLatest(store)
    const now = Date.now
    // The store too: slow-downs Meta asks of any instance are shared through it.
    const throttle = new Throttle(now, store)
    const ctx = createBrokerContext(config, {
      store,
      keyring,
      appId: config.appId,
      appSecret: config.appSecret,
      emulatorUrl: config.emulatorUrl,
      callbackSecrets: [],
      now,
      onUsage: (usage) => {
        throttle.observe(usage)
      },
    })
    const runtime = createRefreshRuntime(ctx, config, {
      role: 'worker',
      throttle,
      onError: (error, where) => {
        process.stderr.write(
          `igtoken worker: ${where}: ${error instanceof Error ? error.message : String(error)}\n`,
        )
      },
    })
    if (opts.once === true) {
      const round = await runtime.engine.runOnce()
      await runtime.deliveries.runOnce()
      process.stdout.write(`${JSON.stringify(round)}\n`)
      return
    }
    runtime.start({ withEngine: true })
    process.stderr.write(`igtoken worker: running as ${runtime.refresher.owner}\n`)
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolve()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await runtime.stop()
  } finally {
    await store.close()
  }
}
