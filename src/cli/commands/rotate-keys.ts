import { openRuntime } from '../../app/runtime.js'
import { loadConfig } from '../../config.js'
import { checkKeysOpenEverything, reencryptAll } from '../../app/operations.js'
import { EXIT } from '../exit-codes.js'
import { CliError, printJson } from '../output.js'
import { createProgressBar, stopOnInterrupt } from '../progress.js'

/**
 * `igtoken rotate-keys`: re-seals every stored secret under the first key of
 * IGTOKEN_ENCRYPTION_KEYS, with a progress bar. Ctrl-C stops between batches (every row is
 * readable at every moment); running it again resumes.
 */
export async function rotateKeysCommand(opts: { json?: boolean }): Promise<void> {
  const config = loadConfig()
  if (config.encryptionKeys === undefined) {
    throw new CliError('IGTOKEN_ENCRYPTION_KEYS is not set', {
      exit: EXIT.usage,
      code: 'no_keys',
      fix: 'put the new key first, then the old ones: IGTOKEN_ENCRYPTION_KEYS=new:…,old:…',
    })
  }
  // The runtime opens the keyring (StartupError bad_keys when it does not parse) and the store.
  const runtime = await openRuntime(config, { role: 'cli' })
  const { store, keyring } = runtime
  const interrupt = stopOnInterrupt(
    'stopping after this batch; nothing is lost, run rotate-keys again to finish…',
  )
  try {
    const before = await checkKeysOpenEverything(store, keyring)
    const total = Object.entries(before.rowsByKeyId)
      .filter(([kid]) => kid !== keyring.primaryKeyId)
      .reduce((sum, [, n]) => sum + n, 0)
    const bar = createProgressBar({
      total,
      label: 're-encrypting',
      enabled: process.stderr.isTTY && opts.json !== true,
    })
    bar.update(0)
    const result = await reencryptAll(store, keyring, {
      signal: interrupt.signal,
      onProgress: (p) => {
        bar.update(p.resealed + p.failed, p.table)
      },
    })
    bar.finish()
    if (opts.json === true) printJson({ ...result, total })
    else {
      process.stdout.write(
        `${result.resealed} secret(s) re-encrypted under ${keyring.primaryKeyId}; ${result.failures.length} could not be opened${result.aborted ? '; stopped early, run again to finish' : ''}\n`,
      )
      for (const f of result.failures) {
        process.stdout.write(`  ${f.table} ${f.id}: sealed with ${f.keyId} (${f.code})\n`)
      }
    }
    if (result.aborted) process.exitCode = EXIT.interrupted
    else if (result.failures.length > 0) process.exitCode = EXIT.failure
  } finally {
    interrupt.dispose()
    await runtime.close()
  }
}
