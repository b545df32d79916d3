import { chmodSync, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { folderNotWritable } from '../broker/doctor-checks.js'
import type { Config } from '../config.js'
import { parseStoreUrl } from '../store/index.js'
import { StartupError } from './startup-error.js'

/** The folders this configuration writes into: the demo key's and the SQLite file's. */
function dataFolders(config: Config): string[] {
  const folders: string[] = []
  // Demo mode writes its encryption key into the data folder.
  if (config.demo && config.encryptionKeys === undefined) folders.push(config.dataDir)
  const location = parseStoreUrl(config.databaseUrl)
  if (location.kind === 'sqlite' && location.path !== ':memory:') {
    folders.push(dirname(location.path))
  }
  return folders
}

/**
 * Refuses a start whose data cannot be written, before SQLite or the demo key say EACCES or
 * "unable to open database file": names the folder, the variable that moves it and the fix. The
 * rule (nearest existing ancestor writable) is the doctor's `folderNotWritable`, so both agree.
 *
 * @throws {StartupError} `data_dir_unwritable`
 */
export function assertDataFoldersWritable(config: Config): void {
  for (const folder of dataFolders(config)) {
    const problem = folderNotWritable(folder)
    if (problem !== null) {
      const variable =
        folder === config.dataDir
          ? 'IGTOKEN_DATA_DIR'
          : 'IGTOKEN_DATABASE_URL (or IGTOKEN_DATA_DIR)'
      throw new StartupError('data_dir_unwritable', `${variable}: ${problem.detail}`, {
        fix: problem.fix,
      })
    }
  }
}

/**
 * Creates the data folders readable by this user only (0700), and narrows `IGTOKEN_DATA_DIR`
 * itself to 0700 when an earlier version left it open: it holds the sealed tokens and, in demo
 * mode, the key that opens them. A folder of someone else's (a shared parent given by
 * `IGTOKEN_DATABASE_URL`) is created private but never re-moded. The files inside are made 0600
 * where they are opened (`openStore`, the demo key).
 */
export function makeDataFoldersPrivate(config: Config): void {
  const dataDir = resolve(config.dataDir)
  for (const folder of dataFolders(config)) {
    // `mode` applies to every folder recursive mkdir creates (before the umask, which only narrows).
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    if (resolve(folder) !== dataDir) continue
    const stat = statSync(folder)
    if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) chmodSync(folder, 0o700)
  }
}
