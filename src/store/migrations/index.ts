import type { Migration, MigrationProvider } from 'kysely'

import * as m0001 from './0001-initial.js'
import * as m0002 from './0002-dashboard-and-feeds.js'
import * as m0003 from './0003-throttle-gates.js'
import * as m0004 from './0004-store-changes.js'
import * as m0005 from './0005-indexes-for-scale.js'
import * as m0006 from './0006-seen-signed-requests.js'
import * as m0007 from './0007-account-per-instagram-account.js'
import * as m0008 from './0008-connect-links.js'
import * as m0009 from './0009-api-key-scopes.js'
import * as m0011 from './0011-dashboard-sign-in-links.js'

/**
 * Every migration, by name. Names sort in the order they run; the CLI, the service and the tests
 * all read this one map.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': m0001,
  '0002-dashboard-and-feeds': m0002,
  '0003-throttle-gates': m0003,
  '0004-store-changes': m0004,
  '0005-indexes-for-scale': m0005,
  '0006-seen-signed-requests': m0006,
  '0007-account-per-instagram-account': m0007,
  '0008-connect-links': m0008,
  '0009-api-key-scopes': m0009,
  '0011-dashboard-sign-in-links': m0011,
})

/** Kysely's `MigrationProvider` over {@link MIGRATIONS} (no file system scanning). */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
}
