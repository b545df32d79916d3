import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.js'
import { generateKey, parseKeyring } from '../store/index.js'
import type { Keyring } from '../store/index.js'
import { StartupError } from './startup-error.js'

/** The file in the data folder that holds demo mode's generated key. */
export function demoKeyFile(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'demo-encryption-key')
}

/**
 * The keyring every process seals and opens secrets with: `IGTOKEN_ENCRYPTION_KEYS`, or in demo
 * mode (and only when that is unset) a key generated once into the data folder, so restarts and
 * the CLI read what the service stored. The only place that decides which keys are in use.
 * @param config - the loaded configuration
 * @param options - `createDemoKey: false` (the doctor): report a missing demo key instead of making one
 *
 * @throws {StartupError} `no_keys` when a live configuration has none, `bad_keys` when it does not parse
 */
export function openKeyring(
  config: Pick<Config, 'demo' | 'dataDir' | 'encryptionKeys'>,
  options: { readonly createDemoKey?: boolean } = {},
): Keyring {
  if (config.encryptionKeys !== undefined) return parse(config.encryptionKeys)
  const file = demoKeyFile(config)
  if (!config.demo || (options.createDemoKey === false && !existsSync(file))) {
    throw new StartupError('no_keys', 'IGTOKEN_ENCRYPTION_KEYS: is required', {
      fix: 'set it to the value the service uses; "npx igtoken encryption-key" makes a new one',
    })
  }
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true })
    try {
      // 'wx': when two processes start at once, the first key written is the one both use.
      writeFileSync(file, `${generateKey('demo')}\n`, { mode: 0o600, flag: 'wx' })
      chmodSync(file, 0o600)
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error
    }
  }
  return parse(readFileSync(file, 'utf8').trim())
}

function parse(text: string): Keyring {
  try {
    return parseKeyring(text)
  } catch (error) {
    throw new StartupError(
      'bad_keys',
      `IGTOKEN_ENCRYPTION_KEYS: ${error instanceof Error ? error.message : 'is not valid'}`,
      {
        fix: 'use comma-separated kid:base64 keys, the newest first ("npx igtoken encryption-key")',
      },
    )
  }
}
