import { openRuntime } from '../../app/runtime.js'
import { loadConfig } from '../../config.js'

/**
 * `igtoken worker`: the refresh engine and webhook delivery alone, without the HTTP service —
 * for running several refreshers against one database. Stops gracefully on SIGINT/SIGTERM:
 * refreshes already talking to Meta finish, claimed-but-unstarted tokens are given back.
 */
export async function workerCommand(opts: { once?: boolean }): Promise<void> {
  const runtime = await openRuntime(loadConfig(), {
    role: 'worker',
    hooks: {
      onError: (error, where) => {
        process.stderr.write(
          `igtoken worker: ${where}: ${error instanceof Error ? error.message : String(error)}\n`,
        )
      },
    },
  })
  try {
    if (opts.once === true) {
      const round = await runtime.refresh.engine.runOnce()
      await runtime.refresh.deliveries.runOnce()
      await runtime.refresh.housekeeping.runOnce()
      process.stdout.write(`${JSON.stringify(round)}\n`)
      return
    }
    runtime.start()
    process.stderr.write(`igtoken worker: running as ${runtime.refresh.refresher.owner}\n`)
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolve()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
  } finally {
    await runtime.close()
  }
}
