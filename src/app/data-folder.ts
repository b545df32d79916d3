import { dirname } from 'node:path'
import { folderNotWritable } from '../broker/doctor-checks.js'
import type { Config } from '../config.js'
import { parseStoreUrl } from '../store/index.js'
import { StartupError } from './startup-error.js'

/**
 * Refuses a start whose data cannot be written, before SQLite or the demo key say EACCES or
 * "unable to open database file": names the folder, the variable that moves it and the fix. The
 * rule (nearest existing ancestor writable) is the doctor's `folderNotWritable`, so both agree.
 *
 * @throws {StartupError} `data_dir_unwritable`
 */
export function assertDataFoldersWritable(config: Config): void {
  const folders: string[] = []
  // Demo mode writes its encryption key into the data folder.
  if (config.demo && config.encryptionKeys === undefined) folders.push(config.dataDir)
  const location = parseStoreUrl(config.databaseUrl)
  if (location.kind === 'sqlite' && location.path !== ':memory:') {
    folders.push(dirname(location.path))
  }
  for (const folder of folders) {
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
