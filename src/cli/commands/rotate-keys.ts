import { loadConfig } from '../../config.js'
import { migrateToLatest, openStore, parseKeyring, reencryptAll } from '../../store/index.js'
import { EXIT } from '../exit-codes.js'
import { printJson } from '../output.js'

/**
 * `igtoken rotate-keys`: re-seals every stored secret under the first key of
 * IGTOKEN_ENCRYPTION_KEYS. Ctrl-C stops between batches; running it again resumes.
 */
export async function rotateKeysCommand(opts: { json?: boolean }): Promise<void> {
  const config = loadConfig()
  if (config.encryptionKeys === undefined) {
    process.stderr.write(
      'igtoken: IGTOKEN_ENCRYPTION_KEYS is not set: put the new key first, then the old ones\n',
    )
    process.exitCode = EXIT.usage
    return
  }
  const keyring = parseKeyring(config.encryptionKeys)
  const store = await openStore(config.databaseUrl)
  const controller = new AbortController()
  const stop = () => {
    controller.abort()
  }
  process.once('SIGINT', stop)
  try {
    await migrateToLatest(store)
    const tty = process.stderr.isTTY && opts.json !== true
    const result = await reencryptAll(store, keyring, {
      signal: controller.signal,
      onProgress: (p) => {
        if (tty)
          process.stderr.write(`\rre-encrypting ${p.table}: ${p.resealed} done, ${p.failed} failed`)
      },
    })
    if (tty) process.stderr.write('\n')
    if (opts.json === true) printJson(result)
    else {
      process.stdout.write(
        `${result.resealed} secret(s) re-encrypted under ${keyring.primaryKeyId}; ${result.failures.length} could not be opened${result.aborted ? '; stopped early, run again to finish' : ''}\n`,
      )
    }
    if (result.failures.length > 0 || result.aborted) process.exitCode = EXIT.failure
  } finally {
    process.off('SIGINT', stop)
    await store.close()
  }
}
