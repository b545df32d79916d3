import { defaultLoginRedirectUri } from '../login-defaults.js'
import type { Config } from '../config.js'
import type { EmulatorContext } from '../emulator/index.js'
import { getFlavor } from '../meta/index.js'
import { StartupError } from './startup-error.js'

/** Where `igtoken login` listens by default; the demo app registers both schemes. */
export const CLI_LOGIN_REDIRECT_URIS = [
  defaultLoginRedirectUri('https'),
  defaultLoginRedirectUri('http'),
] as const

/** Where a process meets Meta: the app pair its flavor signs in with, and who answers. */
export interface MetaTarget {
  readonly appId: string
  readonly appSecret: string
  /** Every Meta host is answered here instead (demo mode, tests, `IGTOKEN_META_EMULATOR_URL`). */
  readonly emulatorUrl: string | undefined
  /** Secrets that may sign Meta's callbacks (deauthorize, data deletion). */
  readonly callbackSecrets: readonly string[]
  /** The emulator running in this process (demo `serve`): its clock is the process's clock. */
  readonly embedded?: EmulatorContext
  /** Stops what was started for it (demo mode's embedded emulator in `serve`). */
  close(): Promise<void>
}

/**
 * The Meta side of a configuration, decided once: a live app talks to Meta (or the configured
 * emulator); demo mode talks to the emulator with the public demo app, which `serve` starts
 * in-process and every other role reaches on `IGTOKEN_EMULATOR_PORT`.
 * @param config - the loaded configuration
 * @param options - `startEmulator` (serve): run the emulator here; `seedHostileUser` for escaping tests
 */
export async function openMetaTarget(
  config: Config,
  options: { readonly startEmulator: boolean; readonly seedHostileUser?: boolean },
): Promise<MetaTarget> {
  if (!config.demo) {
    return {
      appId: config.appId ?? '',
      appSecret: config.appSecret ?? '',
      emulatorUrl: config.emulatorUrl,
      callbackSecrets: [config.appSecret, config.metaAppSecret].filter(
        (s): s is string => s !== undefined,
      ),
      close: () => Promise.resolve(),
    }
  }
  // Loaded only in demo mode: a live process never loads the emulator.
  const { DEMO_APP } = await import('../emulator/seed.js')
  const pair =
    getFlavor(config.flavor).appCredentials === 'meta-app'
      ? { appId: DEMO_APP.metaAppId, appSecret: DEMO_APP.metaAppSecret }
      : { appId: DEMO_APP.instagramAppId, appSecret: DEMO_APP.instagramAppSecret }
  const callbackSecrets = [DEMO_APP.instagramAppSecret, DEMO_APP.metaAppSecret]
  if (!options.startEmulator) {
    return {
      ...pair,
      emulatorUrl: config.emulatorUrl ?? `http://127.0.0.1:${config.emulatorPort}`,
      callbackSecrets,
      close: () => Promise.resolve(),
    }
  }
  const { emulatorContextOf, startEmulator } = await import('../emulator/index.js')
  const emulator = await startEmulator({
    port: config.emulatorPort,
    apps: [
      {
        ...DEMO_APP,
        // The service's callback, and `igtoken login`'s defaults so it works against the demo.
        redirectUris: [config.redirectUri, ...CLI_LOGIN_REDIRECT_URIS],
        deauthorizeUrl: `${config.publicUrl}/meta/deauthorize`,
        dataDeletionUrl: `${config.publicUrl}/meta/data-deletion`,
      },
    ],
    seedHostileUser: options.seedHostileUser ?? false,
  }).catch((error: unknown) => {
    // The embedded emulator's port, not the service's: name the variable that moves it.
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new StartupError(
        'port_busy',
        `IGTOKEN_EMULATOR_PORT: port ${config.emulatorPort} on 127.0.0.1 (the demo's embedded emulator) is already in use`,
        { fix: 'stop the program using it, or set IGTOKEN_EMULATOR_PORT to a free port' },
      )
    }
    throw error
  })
  return {
    ...pair,
    emulatorUrl: emulator.url,
    callbackSecrets,
    embedded: emulatorContextOf(emulator.app),
    close: () => emulator.close(),
  }
}
