import { loadCliSettings } from '../config.js'
import type { CliSettings } from '../config.js'
import { FLAVOR_NAMES, createMetaClient, emulatorBaseUrls } from '../meta/index.js'
import type { FlavorName, MetaClient } from '../meta/index.js'
import { EXIT } from './exit-codes.js'
import { CliError } from './output.js'

/** Reads and checks a flavor name from a flag or the environment. */
export function parseFlavor(value: string | undefined, from: string): FlavorName {
  const name = value ?? 'instagram-login'
  const found = FLAVOR_NAMES.find((f) => f === name)
  if (found === undefined) {
    throw new CliError(`${from} must be one of ${FLAVOR_NAMES.join(', ')}, got "${name}"`, {
      exit: EXIT.usage,
      code: 'bad_flavor',
    })
  }
  return found
}

/**
 * A Meta client for a CLI command. `IGTOKEN_META_EMULATOR_URL` sends every Meta host to the
 * emulator; `IGTOKEN_GRAPH_VERSION` picks the Graph version (both read from `.env` and the
 * environment through config.ts). Warnings go to `onWarning`.
 */
export function cliMetaClient(options: {
  readonly flavor: FlavorName
  readonly appId?: string | undefined
  readonly appSecret?: string | undefined
  readonly redirectUri?: string | undefined
  readonly onWarning?: (message: string, code: string) => void
  readonly settings?: CliSettings
}): MetaClient {
  const settings = options.settings ?? loadCliSettings()
  const emulator = settings.emulatorUrl
  const version = settings.graphVersion
  return createMetaClient({
    flavor: options.flavor,
    // Reads and refreshes of Instagram tokens send neither: placeholders keep the client valid.
    appId: options.appId ?? '0',
    appSecret: options.appSecret ?? 'unused',
    redirectUri: options.redirectUri ?? 'https://localhost/',
    ...(version === undefined || version === '' ? {} : { graphVersion: version }),
    ...(emulator === undefined || emulator === '' ? {} : { baseUrls: emulatorBaseUrls(emulator) }),
    onWarning:
      options.onWarning ?? ((message) => process.stderr.write(`igtoken: warning: ${message}\n`)),
  })
}
