// The query plans of what bench/million measures, on a seeded store, as the database chooses them
// (no planner settings changed): `node --import tsx bench/million/plans.ts <url>`; run.ts prints
// them at its largest size. On PostgreSQL the claim and the token read are also run under
// EXPLAIN ANALYZE (the claim in a transaction that is rolled back), which gives each statement's
// own time inside the server, to set against the p99 a client measures.
import { sql } from 'kysely'
import type { CompiledQuery } from 'kysely'
import { openStore } from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'

async function explain(store: Store, query: CompiledQuery, analyze: boolean): Promise<string> {
  const sqlite = store.dialect.name === 'sqlite'
  const prefix = sqlite ? 'explain query plan' : analyze ? 'explain (analyze, buffers)' : 'explain'
  // An analysed UPDATE really runs: inside a transaction that is rolled back, it changes nothing.
  return store.db.connection().execute(async (conn) => {
    if (analyze) await sql`begin`.execute(conn)
    try {
      const result = await conn.executeQuery<Record<string, string>>({
        ...query,
        sql: `${prefix} ${query.sql}`,
      })
      return result.rows.map((r) => (sqlite ? r['detail'] : r['QUERY PLAN'])).join('\n')
    } finally {
      if (analyze) await sql`rollback`.execute(conn)
    }
  })
}

/**
 * The plan of every query the million-account figures touch, as text.
 * @param store - a seeded store
 * @returns one block per query: its name, then its plan
 */
export async function queryPlans(store: Store): Promise<string> {
  const db = store.db
  const total = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  const middle = await db
    .selectFrom('accounts')
    .select(['created_at', 'id'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(Math.floor(total.n / 2))
    .limit(1)
    .executeTakeFirst()
  const cursor = { createdAt: middle?.created_at ?? 0, id: middle?.id ?? '' }
  const now = Date.now() + 86_400_000
  const page = db
    .selectFrom('accounts')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(101)
  const deep = page.where((eb) =>
    eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.createdAt, cursor.id)),
  )
  const candidates = store.dialect.lockForClaim(
    db
      .selectFrom('tokens')
      .select('id')
      .where('next_refresh_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_refresh_at')
      .orderBy('id')
      .limit(100),
  )
  const queries: Record<string, { query: CompiledQuery; analyze?: boolean }> = {
    'account list, first page (home page, dashboard, API)': { query: page.compile() },
    'account list, a page in the middle of the table': { query: deep.compile() },
    'account list filtered by status, in the middle of the table': {
      query: deep.where('status', '=', 'revoked').compile(),
    },
    "the page's tokens": {
      query: db
        .selectFrom('tokens')
        .selectAll()
        .where('account_id', 'in', ['acc_a', 'acc_b', 'acc_c'])
        .where('kind', '=', 'instagram_long_lived')
        .compile(),
    },
    'token API: the account and its token (cache off)': {
      query: db
        .selectFrom('accounts')
        .leftJoin('tokens', (join) =>
          join
            .onRef('tokens.account_id', '=', 'accounts.id')
            .on('tokens.kind', '=', 'instagram_long_lived'),
        )
        .selectAll('accounts')
        .select(['tokens.id as token_id', 'tokens.ciphertext'])
        .where('accounts.id', '=', cursor.id)
        .compile(),
      analyze: true,
    },
    'refresh claim (100 due tokens, one day ahead)': {
      query: db
        .updateTable('tokens')
        .set({ lease_owner: 'plans', lease_until: now + 60_000 })
        .where('id', 'in', candidates)
        .where('next_refresh_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .returningAll()
        .compile(),
      analyze: true,
    },
    '/metrics: one slice of accounts by status': {
      query: db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'active')
        .where('created_at', '>=', cursor.createdAt)
        .where('created_at', '<', cursor.createdAt + 2_000_000)
        .compile(),
    },
    '/metrics: one slice of tokens by expiry': {
      query: db
        .selectFrom('tokens')
        .select('expires_at')
        .where('expires_at', 'is not', null)
        .where('expires_at', '>=', now)
        .orderBy('expires_at')
        .limit(1)
        .offset(2000)
        .compile(),
    },
  }
  const blocks: string[] = []
  for (const [name, { query, analyze }] of Object.entries(queries)) {
    blocks.push(`${name}\n${await explain(store, query, false)}`)
    if (analyze === true && store.dialect.name === 'postgres') {
      blocks.push(`${name}, EXPLAIN ANALYZE\n${await explain(store, query, true)}`)
    }
  }
  return blocks.join('\n\n')
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const url = process.argv[2]
  if (url === undefined) throw new Error('usage: plans.ts <store-url>')
  const store = await openStore(url)
  console.log(await queryPlans(store))
  await store.close()
}
