import { sql } from 'kysely'
import type { CompiledQuery, KyselyPlugin, RootOperationNode } from 'kysely'
import type { StoreContext } from '../../src/store/index.js'

/** A store whose queries are counted: `count()` answers how many ran since the last `reset()`. */
export function countingStore(store: StoreContext): StoreContext & {
  count(): number
  reset(): void
} {
  let n = 0
  const plugin: KyselyPlugin = {
    transformQuery: (args): RootOperationNode => {
      n++
      return args.node
    },
    transformResult: (args) => Promise.resolve(args.result),
  }
  return {
    db: store.db.withPlugin(plugin),
    dialect: store.dialect,
    count: () => n,
    reset: () => {
      n = 0
    },
  }
}

/**
 * The plan of a query as text, one node a line. On PostgreSQL sequential scans, bitmap scans and
 * sorts are discouraged for the statement (on tiny test tables the planner rightly prefers them):
 * a Sort or Seq Scan left in the plan then means no index *can* serve the query, which is what
 * matters at a million rows.
 */
export async function explain(store: StoreContext, query: CompiledQuery): Promise<string> {
  if (store.dialect.name === 'sqlite') {
    const result = await store.db.executeQuery<{ detail: string }>({
      ...query,
      sql: `explain query plan ${query.sql}`,
    })
    return result.rows.map((r) => r.detail).join('\n')
  }
  return store.db.transaction().execute(async (trx) => {
    for (const setting of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) {
      await sql`select set_config(${setting}, 'off', true)`.execute(trx)
    }
    const result = await trx.executeQuery<{ 'QUERY PLAN': string }>({
      ...query,
      sql: `explain ${query.sql}`,
    })
    return result.rows.map((r) => r['QUERY PLAN']).join('\n')
  })
}
