// Prints the query plans of what bench/million measures, on a seeded store, as the database
// chooses them (no planner settings changed): `node --import tsx bench/million/plans.ts <url>`.
import type { CompiledQuery } from 'kysely'
import { openStore } from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'

async function explain(store: Store, query: CompiledQuery): Promise<string> {
  const sqlite = store.dialect.name === 'sqlite'
  const result = await store.db.executeQuery<Record<string, string>>({
    ...query,
    sql: `${sqlite ? 'explain query plan' : 'explain'} ${query.sql}`,
  })
  return result.rows.map((r) => (sqlite ? r['detail'] : r['QUERY PLAN'])).join('\n')
}

const url = process.argv[2]
if (url === undefined) throw new Error('usage: plans.ts <store-url>')
const store = await openStore(url)
const db = store.db
const newest = await db
  .selectFrom('accounts')
  .select(['created_at', 'id'])
  .orderBy('created_at', 'desc')
  .offset(500_000)
  .limit(1)
  .executeTakeFirst()
const cursor = { createdAt: newest?.created_at ?? 0, id: newest?.id ?? '' }
const now = Date.now() + 86_400_000
const queries: Record<string, CompiledQuery> = {
  'account list, a page deep in the table': db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(101)
    .compile(),
  'account list filtered by status': db
    .selectFrom('accounts')
    .selectAll()
    .where('status', '=', 'revoked')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(101)
    .compile(),
  "the page's tokens": db
    .selectFrom('tokens')
    .selectAll()
    .where('account_id', 'in', ['acc_a', 'acc_b', 'acc_c'])
    .where('kind', '=', 'instagram_long_lived')
    .compile(),
  'refresh claim (sub-select)': db
    .selectFrom('tokens')
    .select('id')
    .where('next_refresh_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .orderBy('next_refresh_at')
    .orderBy('id')
    .limit(100)
    .compile(),
  '/metrics: one slice of accounts by status': db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'active')
    .where('created_at', '>=', cursor.createdAt)
    .where('created_at', '<', cursor.createdAt + 2_000_000)
    .compile(),
  '/metrics: one slice of tokens by expiry': db
    .selectFrom('tokens')
    .select('expires_at')
    .where('expires_at', 'is not', null)
    .where('expires_at', '>=', now)
    .orderBy('expires_at')
    .limit(1)
    .offset(2000)
    .compile(),
}
for (const [name, query] of Object.entries(queries)) {
  console.log(`\n${name}\n${await explain(store, query)}`)
}
await store.close()
