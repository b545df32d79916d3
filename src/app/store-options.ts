import { readFileSync } from 'node:fs'
import type { Config } from '../config.js'
import type { OpenStoreOptions } from '../store/index.js'

/**
 * SQLite's page cache of `igtoken worker`, in MB: the refresh engine walks the due tokens once
 * each, so the 32 MB a serving process keeps for its reads was a sixth of the engine's peak RSS at
 * 100,000 tokens and bought it nothing (docs/benchmarks.md, "Refresh").
 */
export const WORKER_PAGE_CACHE_MB = 8

/**
 * The store options the configuration asks for (`IGTOKEN_DATABASE_*`): pool size, statement timeout
 * and TLS. `igtoken serve` and every CLI command that opens the database use it, so they connect
 * the same way.
 * @param config - the loaded configuration
 * @param extra - options of the caller (e.g. `onPoolError`)
 * @throws Error naming `IGTOKEN_DATABASE_SSL_CA_FILE` when the CA file cannot be read
 */
export function storeOptionsOf(
  config: Pick<Config, 'database'>,
  extra: Pick<OpenStoreOptions, 'onPoolError' | 'pageCacheMb'> = {},
): OpenStoreOptions {
  const { poolSize, statementTimeoutMs, sslMode, sslCaFile } = config.database
  let ca: string | undefined
  if (sslCaFile !== undefined) {
    try {
      ca = readFileSync(sslCaFile, 'utf8')
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable'
      throw new Error(`IGTOKEN_DATABASE_SSL_CA_FILE: cannot read the file (${reason})`, {
        cause: error,
      })
    }
  }
  return {
    ...extra,
    poolSize,
    statementTimeoutMs,
    ...(sslMode === undefined
      ? {}
      : { tls: { mode: sslMode, ...(ca === undefined ? {} : { ca }) } }),
  }
}
