import { existsSync } from 'node:fs'
import {
  CopyRefusedError,
  EPHEMERAL_TABLES,
  copyStore,
  migrateToLatest,
  openStore,
  parseStoreUrl,
} from '../../app/operations.js'
import type { CopyResult, Store, StoreLocation } from '../../app/operations.js'
import { StoreError } from '../../broker/types.js'
import { EXIT } from '../exit-codes.js'
import { CliError, printJson } from '../output.js'
import { createProgressBar, stopOnInterrupt } from '../progress.js'

/** Options of `igtoken migrate`. */
export interface MigrateOptions {
  readonly from: string
  readonly to: string
  /** Copy into a target that has rows: rows with the same id are overwritten, others kept. */
  readonly force?: boolean
  /** Leave out sign-ins in progress (`connect_attempts`). */
  readonly skipConnectAttempts?: boolean
  readonly json?: boolean
}

/**
 * `igtoken migrate --from <url> --to <url>`: copies everything from one database to another
 * (typically SQLite to PostgreSQL) in one transaction on the target, with a progress bar, then
 * verifies counts and ids. Tokens and webhook secrets stay encrypted (copied as stored). A target
 * with rows is refused unless `--force`, so re-running after a success changes nothing by accident.
 */
export async function migrateCommand(opts: MigrateOptions): Promise<void> {
  const from = checkUrl('--from', opts.from)
  const to = checkUrl('--to', opts.to)
  if (sameDatabase(from, to)) {
    throw new CliError('--from and --to name the same database', {
      exit: EXIT.usage,
      code: 'same_database',
    })
  }
  if (from.kind === 'sqlite' && !existsSync(from.path)) {
    throw new CliError(`--from: there is no SQLite database at ${from.path}`, {
      exit: EXIT.usage,
      code: 'source_missing',
      fix: 'give the path of the igtoken.db file the service used (IGTOKEN_DATA_DIR/igtoken.db by default)',
    })
  }
  const source = await open('--from', opts.from, from)
  let target: Store | undefined
  const interrupt = stopOnInterrupt('stopping; the target is left as it was…')
  try {
    target = await open('--to', opts.to, to)
    // The target first: a target that cannot be reached or migrated leaves the source untouched.
    await prepare('--to', to, target)
    await prepare('--from', from, source)
    // Drawn only on a terminal, once the first batch tells the total.
    let bar: ReturnType<typeof createProgressBar> | undefined
    let result: CopyResult
    try {
      result = await copyStore(source, target, {
        force: opts.force === true,
        skip: opts.skipConnectAttempts === true ? EPHEMERAL_TABLES : [],
        signal: interrupt.signal,
        onProgress: (p) => {
          bar ??= createProgressBar({
            total: p.total,
            label: 'copying',
            enabled: process.stderr.isTTY && opts.json !== true,
          })
          bar.update(p.copied, p.table)
        },
      })
    } catch (error) {
      throw translateCopyError(error, interrupt.signal.aborted)
    } finally {
      bar?.finish()
    }
    report(result, opts, from, to)
    if (!result.verified) process.exitCode = EXIT.failure
  } finally {
    interrupt.dispose()
    await target?.close()
    await source.close()
  }
}

function checkUrl(flag: string, url: string): StoreLocation {
  let location: StoreLocation
  try {
    location = parseStoreUrl(url)
  } catch (error) {
    throw new CliError(
      `${flag}: ${error instanceof Error ? error.message : 'not a database URL'}`,
      {
        exit: EXIT.usage,
        code: 'bad_url',
        fix: 'use sqlite:<path> or postgres://user:password@host:5432/database',
      },
    )
  }
  if (location.kind === 'sqlite' && location.path === ':memory:') {
    throw new CliError(`${flag}: an in-memory database cannot be migrated`, {
      exit: EXIT.usage,
      code: 'bad_url',
    })
  }
  if (location.kind === 'postgres') {
    try {
      const parsed = new URL(location.connectionString)
      if (parsed.hostname === '' && !parsed.searchParams.has('host')) throw new Error('no host')
    } catch {
      throw new CliError(`${flag}: ${describe(location)} is not a valid PostgreSQL URL`, {
        exit: EXIT.usage,
        code: 'bad_url',
        fix: 'postgres://user:password@host:5432/database (percent-encode special characters)',
      })
    }
  }
  return location
}

function sameDatabase(a: StoreLocation, b: StoreLocation): boolean {
  if (a.kind === 'sqlite' && b.kind === 'sqlite') return a.path === b.path
  if (a.kind === 'postgres' && b.kind === 'postgres') {
    const x = new URL(a.connectionString)
    const y = new URL(b.connectionString)
    return x.host === y.host && x.pathname === y.pathname
  }
  return false
}

/** A URL fit for output: never the password. */
function describe(location: StoreLocation): string {
  if (location.kind === 'sqlite') return `sqlite:${location.path}`
  try {
    const url = new URL(location.connectionString)
    url.password = ''
    url.search = ''
    return url.toString()
  } catch {
    return 'postgres://…'
  }
}

async function open(flag: string, url: string, location: StoreLocation): Promise<Store> {
  try {
    return await openStore(url)
  } catch (error) {
    throw connectionError(flag, location, error)
  }
}

async function prepare(flag: string, location: StoreLocation, store: Store): Promise<void> {
  try {
    // The same migrations `igtoken serve` runs at start, so both sides have the same tables.
    await migrateToLatest(store)
  } catch (error) {
    throw connectionError(flag, location, error)
  }
}

function connectionError(flag: string, location: StoreLocation, error: unknown): CliError {
  const where = describe(location)
  const code = errorCode(error)
  const known: Record<string, [string, string]> = {
    ECONNREFUSED: ['nothing answers at', 'start PostgreSQL or fix host and port'],
    ENOTFOUND: ['the host is unknown in', 'fix the host name'],
    ETIMEDOUT: ['no answer in time from', 'check the network path to the server'],
    '28P01': ['the password was refused for', 'fix the user or password'],
    '28000': ['the server refused the login for', 'check pg_hba.conf and the user'],
    '3D000': ['the database does not exist:', 'create it first (CREATE DATABASE …)'],
    SQLITE_CANTOPEN: ['cannot open', 'check the path and its permissions'],
    SQLITE_NOTADB: ['not a SQLite database:', 'give the igtoken.db file'],
  }
  const hit = known[code]
  if (hit !== undefined) {
    return new CliError(`${flag}: ${hit[0]} ${where}`, {
      exit: code.startsWith('SQLITE') || code === '3D000' ? EXIT.usage : EXIT.unavailable,
      code: 'database_unavailable',
      fix: hit[1],
    })
  }
  if (error instanceof StoreError || error instanceof CliError) {
    return new CliError(`${flag}: ${error.message}`, { exit: EXIT.usage, code: 'bad_url' })
  }
  // pg's messages name the server, never the password; better-sqlite3's name the file.
  const message = error instanceof Error ? error.message : 'failed'
  return new CliError(`${flag}: ${where}: ${message}`, {
    exit: EXIT.unavailable,
    code: 'database_unavailable',
  })
}

/** The first driver code along the `cause` chain (migrations wrap the database's error). */
function errorCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if ('code' in e && typeof e.code === 'string' && !e.code.startsWith('IGB_')) return e.code
    e = e instanceof AggregateError ? e.errors[0] : e.cause
  }
  return ''
}

function translateCopyError(error: unknown, aborted: boolean): unknown {
  if (aborted) {
    return new CliError('stopped; nothing was written to the target', {
      exit: EXIT.interrupted,
      code: 'interrupted',
    })
  }
  if (error instanceof CopyRefusedError) {
    return error.code === 'target_not_empty'
      ? new CliError(`--to: ${error.message}; nothing was written`, {
          exit: EXIT.usage,
          code: 'target_not_empty',
          fix: 'migrate into an empty database, or add --force to overwrite rows with the same id',
        })
      : new CliError(error.message, { exit: EXIT.usage, code: 'schema_mismatch' })
  }
  return error
}

function report(
  result: CopyResult,
  opts: MigrateOptions,
  from: StoreLocation,
  to: StoreLocation,
): void {
  if (opts.json === true) {
    printJson({
      from: describe(from),
      to: describe(to),
      forced: opts.force === true,
      verified: result.verified,
      tables: result.tables,
      skipped: result.skipped,
    })
    return
  }
  const out = process.stdout
  out.write(`copied ${describe(from)} → ${describe(to)}\n`)
  const width = Math.max(...result.tables.map((t) => t.table.length), 5)
  out.write(`  ${'table'.padEnd(width)}  ${'source'.padStart(8)}  ${'target'.padStart(8)}  check\n`)
  for (const t of result.tables) {
    out.write(
      `  ${t.table.padEnd(width)}  ${String(t.source).padStart(8)}  ${String(t.target).padStart(8)}  ${t.verified ? 'ok' : 'MISMATCH'}\n`,
    )
  }
  for (const t of result.skipped) out.write(`  ${t.padEnd(width)}  skipped\n`)
  out.write(
    result.verified
      ? 'every row is in the target; tokens are still encrypted under the same keys\n'
      : 'the target does not hold exactly the source rows (it had others before --force?)\n',
  )
}
