import { loadConfig } from '../../config.js'
import { StartupError, startService } from '../../server/service.js'
import { EXIT } from '../exit-codes.js'

/** `igtoken serve`: the service, until SIGINT or SIGTERM; then a graceful stop. */
export async function serveCommand(): Promise<void> {
  const config = loadConfig()
  let service
  try {
    service = await startService(config, { processMetrics: true })
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`igtoken: ${error.message}\n`)
      process.exitCode = EXIT.usage
      return
    }
    throw error
  }
  const open = config.publicUrl
  if (config.demo) {
    process.stderr.write(
      [
        '',
        '  igtoken is running in demo mode: Meta is played by the built-in emulator.',
        `  Open ${open}/ and click "Connect an account" to connect a test account.`,
        `  Emulator: ${service.emulatorUrl ?? ''}   Data: ${config.dataDir}`,
        `  Dashboard (this link signs you in once): ${service.signInUrl ?? `${open}/dashboard`}`,
        `  API reference: ${open}/docs`,
        '  The encryption key was generated into the data folder: fine for the demo, not for real tokens.',
        '  To go live, set IGTOKEN_APP_ID, IGTOKEN_APP_SECRET and IGTOKEN_ENCRYPTION_KEYS (docs/configuration.md).',
        '',
      ].join('\n') + '\n',
    )
  } else {
    process.stderr.write(
      `igtoken: listening on ${service.url} (public URL ${open}; dashboard ${open}/dashboard${
        config.dashboard.adminPassword === undefined
          ? ', off until IGTOKEN_ADMIN_PASSWORD is set'
          : ''
      })\n`,
    )
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await service.close()
}
