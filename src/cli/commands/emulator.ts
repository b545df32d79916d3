import { runEmulatorCommand } from '../../emulator/cli.js'
import { EXIT } from '../exit-codes.js'

/** `igtoken emulator [--port 8788] [--config FILE]`. */
export async function emulatorCommand(opts: { port: string; config?: string }): Promise<void> {
  const port = Number(opts.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `igtoken: --port must be a port number from 0 to 65535, got ${JSON.stringify(opts.port)}\n`,
    )
    process.exitCode = EXIT.usage
    return
  }
  const { stopped } = await runEmulatorCommand({
    port,
    ...(opts.config === undefined ? {} : { configFile: opts.config }),
  })
  await stopped
}
