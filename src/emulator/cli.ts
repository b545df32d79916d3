import { readFile } from 'node:fs/promises'
import { startEmulator, type RunningEmulator } from './index.js'
import { DEMO_APP } from './seed.js'
import type { EmulatorApp, EmulatorConfig, EmulatorUserInput } from './types.js'

/** The JSON file of `igtoken emulator --config FILE`. */
export interface EmulatorConfigFile {
  apps?: EmulatorApp[]
  users?: EmulatorUserInput[]
  config?: EmulatorConfig
  seedUsers?: boolean
  seedHostileUser?: boolean
}

/**
 * `igtoken emulator [--port 8788] [--config FILE]`: starts the emulator, prints its URL and the
 * demo app's credentials, and stops on SIGINT/SIGTERM.
 * @returns the running emulator, a promise that settles once it has stopped, and `stop()`
 */
export async function runEmulatorCommand(opts: {
  port?: number
  configFile?: string
  out?: (line: string) => void
}): Promise<{ emulator: RunningEmulator; stopped: Promise<void>; stop: () => Promise<void> }> {
  const out =
    opts.out ??
    ((line: string) => {
      process.stdout.write(`${line}\n`)
    })
  let file: EmulatorConfigFile = {}
  if (opts.configFile !== undefined) {
    try {
      file = JSON.parse(await readFile(opts.configFile, 'utf8')) as EmulatorConfigFile
    } catch (err) {
      throw new TypeError(
        `cannot read emulator config "${opts.configFile}": ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      )
    }
  }
  const emulator = await startEmulator({
    port: opts.port ?? 8788,
    ...(file.apps ? { apps: file.apps } : {}),
    ...(file.users ? { users: file.users } : {}),
    ...(file.config ? { config: file.config } : {}),
    ...(file.seedUsers === undefined ? {} : { seedUsers: file.seedUsers }),
    ...(file.seedHostileUser === undefined ? {} : { seedHostileUser: file.seedHostileUser }),
  })
  const apps = file.apps ?? [DEMO_APP]
  out(`Meta emulator listening on ${emulator.url}`)
  out(`  control API: ${emulator.url}/_emulator/`)
  for (const app of apps) {
    // Only the demo app's secrets are printed: they are public and useless outside the emulator.
    const demo =
      app.metaAppId === DEMO_APP.metaAppId && app.metaAppSecret === DEMO_APP.metaAppSecret
    out(`  app "${app.name}": Meta app id ${app.metaAppId}, Instagram app id ${app.instagramAppId}`)
    if (demo) {
      out(`    Meta app secret ${app.metaAppSecret}`)
      out(`    Instagram app secret ${app.instagramAppSecret}`)
    }
    out(`    redirect URIs: ${app.redirectUris.join(', ')}`)
  }
  let resolveStopped: () => void = () => undefined
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve
  })
  let stopping: Promise<void> | undefined
  const onSignal = (): void => {
    void stop()
  }
  const stop = (): Promise<void> => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    stopping ??= emulator.close().then(() => {
      out('Meta emulator stopped')
      resolveStopped()
    })
    return stopping
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return { emulator, stopped, stop }
}
