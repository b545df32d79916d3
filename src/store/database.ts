import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

import BetterSqlite3 from 'better-sqlite3'
import { Kysely, PostgresDialect } from 'kysely'

import { postgresAdapter, sqliteAdapter } from './dialect-adapter.js'
import type { DialectAdapter } from './dialect-adapter.js'
import type { Database } from './schema.js'
import {
  ImmediateSqliteDialect,
  SQLITE_SYNC_BUSY_MS,
  withStatementCache,
} from './sqlite-dialect.js'
import { IGB_STORE_URL_UNSUPPORTED, StoreError, invalidArgument } from './store-error.js'

/** An open database: the Kysely instance, its dialect adapter, and how to close it. */
export interface Store {
  /** Typed query builder over every table. */
  readonly db: Kysely<Database>
  /** What differs between SQLite and PostgreSQL. */
  readonly dialect: DialectAdapter
  /** Closes the connection (SQLite) or the pool (PostgreSQL). Idempotent. */
  close(): Promise<void>
  /**
   * PostgreSQL only: opens a connection of its own (outside the pool) that LISTENs on `channel`,
   * for the change watcher. Absent on SQLite.
   */
  readonly listen?: (channel: string, handlers: ListenHandlers) => Promise<StoreListener>
}

/** What a {@link Store.listen} connection tells. */
export interface ListenHandlers {
  /** A NOTIFY on the channel (its payload). */
  onNotify(payload: string): void
  /** The connection failed or ended; it is not used again. */
  onLost(error: Error): void
}

/** A LISTEN connection. */
export interface StoreListener {
  /** A round trip on the connection: rejects when it is gone. */
  ping(): Promise<void>
  /** Ends the connection. Idempotent. */
  close(): Promise<void>
}

/** What repositories need from a store; a {@link Store} is one. */
export type StoreContext = Pick<Store, 'db' | 'dialect'>

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** How long a statement waits, without blocking the event loop, for another process's SQLite lock before failing with `IGB_STORE_BUSY`. Default 5000. */
  readonly busyTimeoutMs?: number
  /** PostgreSQL pool size. Default 10. */
  readonly poolSize?: number
  /**
   * PostgreSQL `statement_timeout` of every connection, ms: the server cancels a statement that
   * runs longer (SQLSTATE 57014). 0 or absent = no limit.
   */
  readonly statementTimeoutMs?: number
  /** TLS towards PostgreSQL (see {@link PostgresTls}); absent = whatever the URL says. */
  readonly tls?: PostgresTls
  /**
   * Told when an idle PostgreSQL connection dies (server restart, admin kill). The pool drops the
   * connection and the next query opens a new one; without a listener such an error would crash
   * the process. Default: ignore.
   */
  readonly onPoolError?: (error: Error) => void
  /** SQLite's page cache, in MB. Default 32. */
  readonly pageCacheMb?: number
}

/**
 * TLS towards PostgreSQL, with libpq's meaning of `sslmode`: `disable` sends plain text; `require`
 * encrypts without checking the certificate (unless `ca` is given, then like `verify-ca`);
 * `verify-ca` checks the chain but not the host name; `verify-full` checks both.
 */
export interface PostgresTls {
  readonly mode: 'disable' | 'require' | 'verify-ca' | 'verify-full'
  /** PEM text of the certificate authorities to trust; default Node's bundled ones. */
  readonly ca?: string
}

/** Where a store URL points, after parsing. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string }

/**
 * Parses a store URL without opening anything.
 * @param url - `sqlite:<path>`, `sqlite:///abs/path`, a plain file path, `:memory:`, or
 *   `postgres://…` / `postgresql://…`
 * @throws StoreError `IGB_STORE_URL_UNSUPPORTED` for another scheme (the message names only the
 *   scheme, never credentials)
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for an empty URL
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== 'string' || url.trim() === '') {
    throw Object.assign(new TypeError('"url" must be a non-empty string'), {
      code: 'ERR_INVALID_ARG_VALUE',
    })
  }
  if (url === ':memory:' || url === 'sqlite::memory:') return { kind: 'sqlite', path: ':memory:' }
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length)
    const path = rest.startsWith('//') ? rest.slice(2) : rest
    if (path === '') {
      throw new StoreError(IGB_STORE_URL_UNSUPPORTED, '"sqlite:" url needs a file path')
    }
    return { kind: 'sqlite', path }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme === undefined) return { kind: 'sqlite', path: url }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return { kind: 'postgres', connectionString: url }
  }
  throw new StoreError(
    IGB_STORE_URL_UNSUPPORTED,
    `database scheme "${scheme}" is not supported; use "sqlite:<path>", a file path, ":memory:" or "postgres://…"`,
  )
}

/**
 * Opens the store. Does not migrate: call `migrateToLatest` next.
 *
 * SQLite runs in WAL mode with foreign keys on and a busy timeout, and every `db.transaction()`
 * starts with `BEGIN IMMEDIATE`; the parent directory of the file is created if missing. PostgreSQL uses a `pg` pool whose `bigint` columns come back as
 * numbers (epoch ms fit in a double).
 * @param url - see {@link parseStoreUrl}
 * @param opts - {@link OpenStoreOptions}
 * @throws StoreError `IGB_STORE_URL_UNSUPPORTED` for an unknown scheme
 */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url)
  return location.kind === 'sqlite'
    ? openSqlite(location.path, opts)
    : openPostgres(location.connectionString, opts)
}

function openSqlite(path: string, opts: OpenStoreOptions): Store {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    makeFilesPrivate(path)
  }
  const database = new BetterSqlite3(path, { timeout: SQLITE_SYNC_BUSY_MS })
  try {
    if (path !== ':memory:') database.pragma('journal_mode = WAL')
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
    // last commits, and a lost refresh is redone from the older (still valid) token.
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    // SQLite's default page cache is 2 MB: 10,000 accounts with tokens already miss it on reads
    // spread over every account. 32 MB keeps a large installation's hot rows in memory.
    const pageCacheKb = Math.round((opts.pageCacheMb ?? 32) * 1000)
    database.pragma(`cache_size = -${String(Math.max(1, pageCacheKb))}`)
  } catch (error) {
    database.close()
    throw error
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect(
      { database: withStatementCache(database) },
      opts.busyTimeoutMs ?? 5000,
    ),
  })
  return makeStore(db, sqliteAdapter)
}

/**
 * The database holds sealed tokens and hashed keys: 0600. Creating the file ourselves first
 * matters because SQLite gives the `-wal` and `-shm` files it creates later the main file's mode;
 * files an earlier version left 0644 are narrowed (a file of another user's is left as it is).
 */
function makeFilesPrivate(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const stat = statSync(file)
      if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) chmodSync(file, 0o600)
    } catch {
      // Not there (yet): SQLite creates it with the main file's mode.
    }
  }
}

async function openPostgres(connectionString: string, opts: OpenStoreOptions): Promise<Store> {
  // Loaded lazily so SQLite users never load pg.
  const { default: pg } = await import('pg')
  const parseInt8 = (value: string): number => Number(value)
  const getTypeParser: typeof pg.types.getTypeParser = (id, format) =>
    id === pg.types.builtins.INT8 && format !== 'binary'
      ? parseInt8
      : (pg.types.getTypeParser(id, format) as (value: string) => unknown)
  const ssl = tlsOptions(connectionString, opts.tls)
  const statementTimeout = opts.statementTimeoutMs ?? 0
  if (!Number.isSafeInteger(statementTimeout) || statementTimeout < 0) {
    throw invalidArgument('"statementTimeoutMs" must be a whole number of ms, 0 or more')
  }
  const poolSize = opts.poolSize ?? 10
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw invalidArgument('"poolSize" must be a positive whole number')
  }
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    types: { getTypeParser },
    application_name: 'igtoken',
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
    ...(ssl === undefined ? {} : { ssl }),
  })
  pool.on('error', (error) => opts.onPoolError?.(error))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const listen = async (channel: string, handlers: ListenHandlers): Promise<StoreListener> => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw invalidArgument('"channel" is not a name')
    const client = new pg.Client({
      connectionString,
      application_name: 'igtoken-changes',
      ...(ssl === undefined ? {} : { ssl }),
    })
    let lost = false
    const lose = (error: Error) => {
      if (lost) return
      lost = true
      handlers.onLost(error)
    }
    client.on('error', lose)
    client.on('end', () => {
      lose(new Error('the LISTEN connection ended'))
    })
    client.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '')
    })
    let closing: Promise<void> | undefined
    const close = () =>
      (closing ??= (async () => {
        lost = true
        await client.end().catch(() => undefined)
      })())
    try {
      await client.connect()
      await client.query(`listen ${channel}`)
    } catch (error) {
      await close()
      throw error
    }
    return {
      ping: async () => {
        await client.query('select 1')
      },
      close,
    }
  }
  return Promise.resolve(makeStore(db, postgresAdapter, listen))
}

type PgSsl =
  false | { rejectUnauthorized: boolean; ca?: string; checkServerIdentity?: () => undefined }

// pg reads `sslmode` from the URL after the options, so the URL would silently win over `tls`.
function tlsOptions(connectionString: string, tls: PostgresTls | undefined): PgSsl | undefined {
  if (tls === undefined) return undefined
  if (/[?&](sslmode|ssl|sslrootcert)=/i.test(connectionString)) {
    throw invalidArgument('"tls" cannot be combined with ssl parameters in the URL; use one')
  }
  const ca = tls.ca === undefined ? {} : { ca: tls.ca }
  switch (tls.mode) {
    case 'disable':
      return false
    case 'require':
      // libpq: with a root certificate at hand, `require` verifies the chain like `verify-ca`.
      return tls.ca === undefined
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true, ...ca, checkServerIdentity: () => undefined }
    case 'verify-ca':
      return { rejectUnauthorized: true, ...ca, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { rejectUnauthorized: true, ...ca }
    default:
      throw invalidArgument('"tls.mode" must be disable, require, verify-ca or verify-full')
  }
}

function makeStore(db: Kysely<Database>, dialect: DialectAdapter, listen?: Store['listen']): Store {
  let closing: Promise<void> | undefined
  return Object.freeze({
    db,
    dialect,
    close: () => (closing ??= db.destroy()),
    ...(listen === undefined ? {} : { listen }),
  })
}
