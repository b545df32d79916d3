import type { FastifyInstance } from 'fastify'
import { buildEmulatorApp, type StartEmulatorOptions } from './app.js'
import { EmulatorControlClient } from './control/client.js'

export { buildEmulatorApp, emulatorContextOf } from './app.js'
export type { EmulatorContext, StartEmulatorOptions } from './app.js'
export { signRequest } from './callbacks.js'
export { EmulatorControlClient, EmulatorControlError } from './control/client.js'
export type { EmulatorClock, PublicEmulatorApp, RequestLogFilter } from './control/client.js'
export { DEFAULT_TEST_USERS, DEMO_APP, HOSTILE_TEST_USER } from './seed.js'
export type { CallbackRecord, InFlightRequest, RequestLogEntry } from './state.js'
export type { EmulatorSnapshot } from './snapshot.js'
export { ALL_FLAVORS } from './types.js'
export type {
  AppAccess,
  AppMode,
  AppRole,
  EmulatorApp,
  EmulatorConfig,
  EmulatorMedia,
  EmulatorUser,
  EmulatorUserInput,
  FacebookUserInput,
  FaultMatch,
  FaultRule,
  FaultsConfig,
  FlavorName,
  InstagramAccountType,
  InstagramUserInput,
  LimitsConfig,
  MediaType,
} from './types.js'

/** A listening emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. Real host `h` maps to `${url}/${h}`. */
  url: string
  control: EmulatorControlClient
  /** The Fastify instance (for `inject()` or in-process state access). */
  app: FastifyInstance
  close(): Promise<void>
}

/**
 * Starts the emulator on loopback.
 * @example
 * const emu = await startEmulator({ port: 0 })
 * const res = await fetch(`${emu.url}/graph.instagram.com/me?access_token=…`)
 * await emu.close()
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const app = await buildEmulatorApp(options)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0)
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    url,
    control: new EmulatorControlClient(url),
    app,
    close: () => app.close(),
  }
}
