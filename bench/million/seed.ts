// Seeds N accounts with one sealed long-lived token each, fast enough for a million rows (minutes,
// not hours): multi-row INSERTs of 500 rows, 20 of them per transaction; on SQLite the statement
// cache reuses the one prepared INSERT of each table.
//
//   node --import tsx bench/million/seed.ts <store-url> <count> <encryption-keys>
//
// Tokens expire uniformly over the next 60 days; each is due 14 days before it expires (never
// before `now` + 1 hour, spread over the 12 hours after that as the policy's jitter would), so an
// idle service has nothing due and a clock moved forward one day
// finds about 1/60 of them due. Accounts are created one second apart, mostly `active`, with a
// few of every other status so that the status filters have something to find.
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { AccountStatus, Keyring, StoreContext } from '../../src/store/index.js'
import { newId, tokenAad } from '../../src/store/index.js'

const DAY = 86_400_000
const STATUSES: readonly AccountStatus[] = ['needs_reauth', 'revoked', 'expired']

/** What {@link seedAccounts} wrote. */
export interface Seeded {
  readonly count: number
  readonly ms: number
  /** The `now` the rows were made around. */
  readonly now: number
  /** About 10,000 accounts spread over the table (id and created_at), for requests and cursors. */
  readonly samples: readonly {
    readonly id: string
    readonly createdAt: number
    readonly status: AccountStatus
  }[]
}

/**
 * Writes `count` accounts and tokens.
 * @param store - a migrated store
 * @param keyring - seals the tokens (the service must be given the same keys)
 * @param opts - how many, around which instant, and an optional progress callback
 */
export async function seedAccounts(
  store: StoreContext,
  keyring: Keyring,
  opts: { count: number; now: number; onProgress?: (done: number) => void },
): Promise<Seeded> {
  const started = performance.now()
  const { count, now } = opts
  const batch = 500
  const perTransaction = 20
  const samples: { id: string; createdAt: number; status: AccountStatus }[] = []
  const sampleEvery = Math.max(1, Math.floor(count / 10_000))
  let written = 0
  while (written < count) {
    await store.db.transaction().execute(async (trx) => {
      // Seeding data is re-made, not kept: PostgreSQL need not wait for the WAL flush at commit
      // (for these transactions only; the service's own sessions keep the server's setting).
      if (store.dialect.name === 'postgres')
        await sql`set local synchronous_commit = off`.execute(trx)
      for (let b = 0; b < perTransaction && written < count; b++) {
        const n = Math.min(batch, count - written)
        const accounts = []
        const tokens = []
        for (let j = 0; j < n; j++) {
          const i = written + j
          const id = newId('acc')
          const createdAt = now - (count - i) * 1000
          const status = (i % 50 === 7 ? STATUSES[i % 3] : undefined) ?? 'active'
          if (i % sampleEvery === 0) samples.push({ id, createdAt, status })
          accounts.push({
            id,
            meta_user_id: String(17841400000000000n + BigInt(i)),
            ig_user_id: String(17841500000000000n + BigInt(i)),
            username: `user_${i}`,
            flavor: 'instagram-login',
            scopes: 'instagram_business_basic',
            status,
            label: null,
            status_reason: null,
            created_at: createdAt,
            updated_at: createdAt,
            connected_at: createdAt,
          })
          const tokenId = newId('tok')
          const kind = 'instagram_long_lived' as const
          const expiresAt = now + Math.floor(Math.random() * 60 * DAY)
          const sealed = keyring.seal(
            `IGAA${randomBytes(90).toString('base64url')}`,
            tokenAad({ id: tokenId, account_id: id, kind }),
          )
          tokens.push({
            id: tokenId,
            account_id: id,
            kind,
            ciphertext: sealed.ciphertext,
            key_id: sealed.keyId,
            issued_at: createdAt,
            expires_at: expiresAt,
            refreshed_at: null,
            version: 1,
            next_refresh_at: Math.max(now + 3_600_000 + (i % 43_200) * 1000, expiresAt - 14 * DAY),
            lease_owner: null,
            lease_until: null,
            attempts: 0,
            last_error_code: null,
            last_error_message: null,
            last_error_at: null,
            created_at: createdAt,
            updated_at: createdAt,
          })
        }
        await trx.insertInto('accounts').values(accounts).execute()
        await trx.insertInto('tokens').values(tokens).execute()
        written += n
      }
    })
    opts.onProgress?.(written)
  }
  // What an operator runs after a bulk load: fresh statistics for the planner and a visibility map
  // for index-only scans, now rather than by autovacuum in the middle of the measurements.
  if (store.dialect.name === 'postgres')
    await sql`vacuum (analyze) accounts, tokens`.execute(store.db)
  return { count, ms: performance.now() - started, now, samples }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const [url, countText, keys] = process.argv.slice(2)
  if (url === undefined || countText === undefined || keys === undefined) {
    console.error('usage: seed.ts <store-url> <count> <encryption-keys>')
    process.exitCode = 2
  } else {
    const { migrateToLatest, openStore, parseKeyring } = await import('../../src/store/index.js')
    const store = await openStore(url)
    await migrateToLatest(store)
    const seeded = await seedAccounts(store, parseKeyring(keys), {
      count: Number(countText),
      now: Date.now(),
      onProgress: (done) => process.stderr.write(`\r${done}`),
    })
    await store.close()
    console.log(`\nseeded ${seeded.count} accounts in ${(seeded.ms / 1000).toFixed(1)} s`)
  }
}
