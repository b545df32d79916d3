import { loadConfig } from '../../config.js'
import { startService } from '../../server/service.js'

/** `igtoken serve`: the service, until SIGINT or SIGTERM; then a graceful stop. */
export async function serveCommand(): Promise<void> {
  const config = loadConfig()
  // A StartupError reaches main's reportError: one line, its fix, exit 2.
  const service = await startService(config, { processMetrics: true })
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
        '  To go live, set IGTOKEN_APP_ID, IGTOKEN_APP_SECRET, IGTOKEN_ENCRYPTION_KEYS and IGTOKEN_PUBLIC_URL',
        '  (npx igtoken init asks for them and writes .env; docs/configuration.md#going-live).',
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
