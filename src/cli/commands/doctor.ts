import { checkAppIdRoles, checkDatabase, checkKeys, checkUrls } from '../../broker/doctor-checks.js'
import { probeMetaApp } from '../../broker/meta-probes.js'
import type { CheckResult } from '../../broker/doctor-checks.js'
import { ConfigError, loadConfig } from '../../config.js'
import type { Config } from '../../config.js'
import { createMetaClient, emulatorBaseUrls } from '../../meta/index.js'
import { storeOptionsOf } from '../../app/store-options.js'
import { openStore } from '../../app/operations.js'
import type { Keyring, StoreContext } from '../../app/operations.js'
import { EXIT } from '../exit-codes.js'
import { openKeyring } from '../../app/keyring.js'
import { openMetaTarget } from '../../app/meta-target.js'
import { printJson } from '../output.js'
import { paintFor } from '../terminal.js'

/**
 * `npx igtoken doctor [--json]`: checks a configuration before going live. Changes nothing (it does
 * not even migrate). Exit 1 when any check fails.
 */
export async function doctorCommand(opts: { json?: boolean }): Promise<void> {
  const checks: CheckResult[] = []
  let config: Config | undefined
  try {
    config = loadConfig()
    checks.push({
      id: 'config',
      title: 'the configuration is valid',
      status: 'pass',
      detail: `${config.demo ? 'demo mode' : 'live mode'}, flavor ${config.flavor}`,
      fix: null,
    })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    checks.push({
      id: 'config',
      title: 'the configuration is valid',
      status: 'fail',
      detail: error.message,
      fix: `correct ${error.variable} (see docs/configuration.md)`,
    })
  }
  if (config !== undefined) checks.push(...(await runChecks(config)))
  const failed = checks.filter((c) => c.status === 'fail').length
  if (opts.json === true) printJson({ ok: failed === 0, checks })
  else print(checks, failed)
  if (failed > 0) process.exitCode = EXIT.failure
}

async function runChecks(config: Config): Promise<CheckResult[]> {
  const out: CheckResult[] = [...checkUrls(config), checkAppIdRoles(config)]
  const target = await openMetaTarget(config, { startEmulator: false })
  if (config.demo && config.emulatorUrl === undefined) {
    out.push({
      id: 'meta_answers',
      title: 'Meta answers',
      status: 'skip',
      detail: 'demo mode: the emulator runs inside npx igtoken serve',
      fix: null,
    })
  } else {
    const meta = createMetaClient({
      flavor: config.flavor,
      appId: target.appId,
      appSecret: target.appSecret,
      redirectUri: config.redirectUri,
      graphVersion: config.graphVersion,
      retries: 0,
      timeoutMs: 5000,
      onWarning: () => undefined,
      ...(target.emulatorUrl === undefined
        ? {}
        : { baseUrls: emulatorBaseUrls(target.emulatorUrl) }),
    })
    out.push(...(await probeMetaApp(meta, config.redirectUri, Date.now)))
  }
  const { check, store } = await checkDatabase(config.databaseUrl, () =>
    openStore(config.databaseUrl, storeOptionsOf(config)),
  )
  out.push(check)
  try {
    out.push(await keysCheck(config, store))
  } finally {
    await store?.close()
  }
  return out
}

async function keysCheck(config: Config, store: StoreContext | undefined): Promise<CheckResult> {
  const title = 'the encryption keys open every stored token'
  let keyring: Keyring
  try {
    // Demo mode falls back to the key the service generated into its data folder.
    keyring = openKeyring(config, { createDemoKey: false })
  } catch (error) {
    const missing = config.encryptionKeys === undefined
    if (missing && config.demo) {
      // A first demo start: serve writes the demo key into the data folder itself.
      return {
        id: 'keys',
        title,
        status: 'note',
        detail: `demo mode: npx igtoken serve creates the demo key in ${config.dataDir} at start`,
        fix: null,
      }
    }
    return {
      id: 'keys',
      title,
      status: 'fail',
      detail: missing
        ? 'IGTOKEN_ENCRYPTION_KEYS is not set'
        : `IGTOKEN_ENCRYPTION_KEYS does not parse: ${error instanceof Error ? error.message : ''}`,
      fix: missing
        ? 'set it (npx igtoken encryption-key makes one); keep it secret and backed up'
        : 'use comma-separated kid:base64 keys, the new one first (npx igtoken encryption-key)',
    }
  }
  if (store === undefined) {
    return { id: 'keys', title, status: 'skip', detail: 'no database to check', fix: null }
  }
  return checkKeys(store, keyring)
}

function print(checks: readonly CheckResult[], failed: number): void {
  const paint = paintFor(process.stdout)
  const mark = {
    pass: paint.ok('pass'),
    note: paint.dim('note'),
    warn: paint.warn('warn'),
    fail: paint.fail('FAIL'),
    skip: paint.dim('skip'),
  }
  for (const c of checks) {
    process.stdout.write(`${mark[c.status]}  ${c.title}: ${c.detail}\n`)
    if (c.fix !== null && (c.status === 'fail' || c.status === 'warn')) {
      process.stdout.write(`      fix: ${c.fix}\n`)
    }
  }
  process.stdout.write(
    failed === 0
      ? `${paint.ok('ready')}: no check failed\n`
      : `${paint.fail(`${failed} check(s) failed`)}: fix them before going live\n`,
  )
}
