import type { Kysely } from 'kysely'
import type { Store } from './database.js'
import { invalidArgument } from './store-error.js'

/**
 * Tables in the order rows must be written so that every foreign key finds its parent. Tables a
 * later migration adds are copied after these, in name order (they reference older tables).
 */
const TABLE_ORDER = [
  'accounts',
  'tokens',
  'api_keys',
  'deletion_requests',
  'events',
  'webhook_subscribers',
  'webhook_deliveries',
  'connect_attempts',
] as const

/**
 * Tables never copied: `throttle_gates` holds slow-downs Meta asked for, minutes long and keyed by
 * gate rather than by id; the target's instances learn them from Meta's next answer.
 * `store_changes` tells running processes what to forget; a copy starts with no process running.
 */
const NOT_COPIED: readonly string[] = Object.freeze(['throttle_gates', 'store_changes'])

/** Short-lived rows a copy may leave out: sign-ins in progress (a person would start again). */
export const EPHEMERAL_TABLES: readonly string[] = Object.freeze(['connect_attempts'])

/** Options of {@link copyStore}. */
export interface CopyStoreOptions {
  /** Tables to leave out; only {@link EPHEMERAL_TABLES} may be named. */
  readonly skip?: readonly string[]
  /**
   * Copy into a target that already has rows, overwriting rows with the same id (an upsert) and
   * keeping the others. Without it a non-empty target is refused and nothing is written.
   */
  readonly force?: boolean
  /** Rows read and written per statement (1–5000). Default 500. */
  readonly batchSize?: number
  /** Told after every batch. */
  readonly onProgress?: (progress: CopyProgress) => void
  /** Aborting stops before the next batch; the target transaction is rolled back. */
  readonly signal?: AbortSignal
}

/** Progress of a {@link copyStore} run. */
export interface CopyProgress {
  readonly table: string
  /** Rows copied so far, all tables. */
  readonly copied: number
  /** Rows to copy, all tables. */
  readonly total: number
}

/** Row counts of one table after a copy. */
export interface TableCopy {
  readonly table: string
  /** Rows in the source. */
  readonly source: number
  /** Rows in the target afterwards. */
  readonly target: number
  /** Rows written (inserted or, with `force`, overwritten). */
  readonly copied: number
  /** True when the target holds exactly the source's rows (same count, every source id present). */
  readonly verified: boolean
}

/** What {@link copyStore} did. */
export interface CopyResult {
  /** One entry per table, in copy order; skipped tables are absent. */
  readonly tables: readonly TableCopy[]
  /** Tables left out on request. */
  readonly skipped: readonly string[]
  /** Every table verified. */
  readonly verified: boolean
}

/** A copy refused before anything was written. */
export class CopyRefusedError extends Error {
  override name = 'CopyRefusedError'
  /** `target_not_empty` or `schema_mismatch`. */
  readonly code: 'target_not_empty' | 'schema_mismatch'
  /** For `target_not_empty`: the tables that already have rows. */
  readonly tables: readonly string[]
  /**
   * @param code - why
   * @param message - one line
   * @param tables - the tables concerned
   */
  constructor(code: CopyRefusedError['code'], message: string, tables: readonly string[]) {
    super(message)
    this.code = code
    this.tables = tables
  }
}

type AnyDatabase = Record<string, Record<string, unknown>>

/**
 * Copies every row of every igtoken table from one store to another (SQLite to PostgreSQL, or back),
 * then counts and checks ids on both sides. Both stores must already be migrated to the same
 * version. Values are copied as stored: sealed tokens and webhook secrets keep their ciphertext and
 * key id (their AAD is the row identity, which is preserved), so no key is needed and no secret is
 * ever decrypted.
 *
 * The whole copy is one transaction on the target: a failure or an abort leaves the target as it
 * was. The source is read inside one transaction too, for a consistent snapshot (on SQLite that
 * holds its write lock; stop the service first).
 * @param from - the source store
 * @param to - the target store
 * @param options - see {@link CopyStoreOptions}
 * @throws CopyRefusedError when the target has rows (without `force`) or the schemas differ
 * @throws TypeError (`ERR_INVALID_ARG_VALUE`) for a bad option
 */
export async function copyStore(
  from: Store,
  to: Store,
  options: CopyStoreOptions = {},
): Promise<CopyResult> {
  const batchSize = options.batchSize ?? 500
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    throw invalidArgument('"batchSize" must be a whole number from 1 to 5000')
  }
  const skip = [...new Set(options.skip ?? [])]
  for (const table of skip) {
    if (!EPHEMERAL_TABLES.includes(table)) {
      throw invalidArgument(
        `only ${EPHEMERAL_TABLES.join(', ')} may be skipped; "${table}" holds data`,
      )
    }
  }
  const source = asAny(from.db)
  const target = asAny(to.db)
  const tables = await copyOrder(source, target)
  const selected = tables.filter((t) => !skip.includes(t))

  return source.transaction().execute(async (src) => {
    const counts = new Map<string, number>()
    for (const table of selected) counts.set(table, await countRows(src, table))
    const total = [...counts.values()].reduce((a, b) => a + b, 0)

    return target.transaction().execute(async (dst) => {
      if (options.force !== true) {
        const filled: string[] = []
        for (const table of selected) if ((await countRows(dst, table)) > 0) filled.push(table)
        if (filled.length > 0) {
          throw new CopyRefusedError(
            'target_not_empty',
            `the target already has rows in ${filled.join(', ')}`,
            filled,
          )
        }
      }
      let copied = 0
      const results: TableCopy[] = []
      for (const table of selected) {
        let written = 0
        let after: string | undefined
        for (;;) {
          if (options.signal?.aborted === true) {
            throw options.signal.reason instanceof Error
              ? options.signal.reason
              : new Error('the copy was stopped')
          }
          let query = src.selectFrom(table).selectAll().orderBy('id').limit(batchSize)
          if (after !== undefined) query = query.where('id', '>', after)
          const rows = await query.execute()
          if (rows.length === 0) break
          await writeRows(dst, table, rows, options.force === true)
          written += rows.length
          copied += rows.length
          after = String(rows.at(-1)?.['id'])
          options.onProgress?.({ table, copied, total })
          if (rows.length < batchSize) break
        }
        results.push({
          table,
          source: counts.get(table) ?? 0,
          target: 0,
          copied: written,
          verified: false,
        })
      }
      const verifiedTables: TableCopy[] = []
      for (const entry of results) {
        const targetCount = await countRows(dst, entry.table)
        const missing = await missingIds(src, dst, entry.table, batchSize)
        verifiedTables.push({
          ...entry,
          target: targetCount,
          verified: targetCount === entry.source && missing === 0,
        })
      }
      return {
        tables: verifiedTables,
        skipped: tables.filter((t) => skip.includes(t)),
        verified: verifiedTables.every((t) => t.verified),
      }
    })
  })
}

function asAny(db: Store['db']): Kysely<AnyDatabase> {
  return db as unknown as Kysely<AnyDatabase>
}

/** The tables both stores have, in copy order; refuses when their schemas differ. */
async function copyOrder(source: Kysely<AnyDatabase>, target: Kysely<AnyDatabase>) {
  const describe = async (db: Kysely<AnyDatabase>) => {
    const tables = await db.introspection.getTables()
    return new Map(
      tables
        .filter((t) => !t.isView && !t.name.startsWith('kysely_'))
        .map((t) => [
          t.name,
          t.columns
            .map((c) => c.name)
            .sort()
            .join(','),
        ]),
    )
  }
  const [a, b] = await Promise.all([describe(source), describe(target)])
  const differ = [...new Set([...a.keys(), ...b.keys()])].filter((t) => a.get(t) !== b.get(t))
  if (differ.length > 0) {
    throw new CopyRefusedError(
      'schema_mismatch',
      `source and target differ in ${differ.join(', ')}: migrate both with the same igtoken version`,
      differ,
    )
  }
  const known: readonly string[] = TABLE_ORDER
  const later = [...a.keys()].filter((t) => !known.includes(t) && !NOT_COPIED.includes(t)).sort()
  return [...TABLE_ORDER.filter((t) => a.has(t)), ...later]
}

async function countRows(db: Kysely<AnyDatabase>, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

async function writeRows(
  db: Kysely<AnyDatabase>,
  table: string,
  rows: Record<string, unknown>[],
  upsert: boolean,
): Promise<void> {
  // PostgreSQL takes at most 65 535 parameters per statement.
  const columns = Object.keys(rows[0] ?? {}).length || 1
  const perStatement = Math.max(1, Math.floor(60_000 / columns))
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement)
    const insert = db.insertInto(table).values(chunk)
    // `ON CONFLICT (id) DO UPDATE SET col = excluded.col` is the same SQL on both databases.
    await (
      upsert
        ? insert.onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) =>
              Object.fromEntries(
                Object.keys(chunk[0] ?? {})
                  .filter((c) => c !== 'id')
                  .map((c) => [c, eb.ref(`excluded.${c}`)]),
              ),
            ),
          )
        : insert
    ).execute()
  }
}

/** How many source ids the target lacks (compared batch by batch, so memory stays flat). */
async function missingIds(
  src: Kysely<AnyDatabase>,
  dst: Kysely<AnyDatabase>,
  table: string,
  batchSize: number,
): Promise<number> {
  let missing = 0
  let after: string | undefined
  for (;;) {
    let query = src.selectFrom(table).select('id').orderBy('id').limit(batchSize)
    if (after !== undefined) query = query.where('id', '>', after)
    const ids = (await query.execute()).map((r) => String(r['id']))
    if (ids.length === 0) break
    const found = await dst.selectFrom(table).select('id').where('id', 'in', ids).execute()
    missing += ids.length - found.length
    after = ids.at(-1)
    if (ids.length < batchSize) break
  }
  return missing
}
