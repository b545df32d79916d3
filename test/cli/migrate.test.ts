// `igtoken migrate` through the built binary (npm run build first), SQLite → PostgreSQL and back.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  insertConnectLink,
  appendEvent,
  copyStore,
  createApiKey,
  createConnectAttempt,
  createDashboardSession,
  createDeletionRequest,
  createFeed,
  findDashboardSession,
  getFeed,
  createWebhookSubscriber,
  enqueueWebhookDeliveries,
  generateKey,
  getToken,
  migrateToLatest,
  openStore,
  openToken,
  openWebhookSecret,
  parseKeyring,
  saveToken,
  upsertAccount,
  verifyApiKey,
} from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'
import { sql } from 'kysely'
import { runCli } from '../helpers/cli.js'
import { createPostgresDatabase } from '../helpers/postgres.js'
import type { PostgresTestDatabase } from '../helpers/postgres.js'

const NOW = Date.UTC(2026, 0, 1)
const DAY = 86_400_000
const ACCOUNTS = 120
const keyring = parseKeyring(generateKey('k1'))
const dir = mkdtempSync(join(tmpdir(), 'igtoken-migrate-'))
const sourceUrl = `sqlite:${join(dir, 'source.db')}`
const tokens = new Map<string, string>()
let apiKey = ''
const feedIds: string[] = []
let sessionToken = ''
let databases: PostgresTestDatabase[] = []

interface JsonReport {
  verified: boolean
  forced: boolean
  to: string
  tables: { table: string; source: number; target: number; copied: number; verified: boolean }[]
  skipped: string[]
}

async function fresh(): Promise<PostgresTestDatabase> {
  const database = await createPostgresDatabase()
  databases.push(database)
  return database
}

async function counts(url: string): Promise<Record<string, number>> {
  const store = await openStore(url)
  try {
    const out: Record<string, number> = {}
    for (const table of [
      'accounts',
      'tokens',
      'api_keys',
      'deletion_requests',
      'events',
      'webhook_subscribers',
      'webhook_deliveries',
      'connect_attempts',
      'connect_links',
    ] as const) {
      const row = await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      out[table] = row.n
    }
    // Tables that live beside the core schema type: counted with plain SQL.
    for (const table of [
      'feeds',
      'dashboard_sessions',
      'dashboard_sign_in_links',
      'seen_signed_requests',
    ] as const) {
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(
        table,
      )}`.execute(store.db)
      out[table] = Number(rows[0]?.n)
    }
    return out
  } finally {
    await store.close()
  }
}

async function seed(store: Store): Promise<void> {
  for (let i = 0; i < ACCOUNTS; i++) {
    const { id } = await upsertAccount(store, {
      flavor: 'instagram-login',
      metaUserId: `1784${String(i).padStart(11, '0')}`,
      igUserId: `1790${String(i).padStart(11, '0')}`,
      username: `migrated_${String(i)}`,
      scopes: ['instagram_business_basic'],
      now: NOW,
    })
    const plaintext = `IGAAT${String(i).padStart(40, 'z')}`
    await saveToken(store, keyring, {
      accountId: id,
      kind: 'instagram_long_lived',
      accessToken: plaintext,
      issuedAt: NOW,
      expiresAt: NOW + 60 * DAY,
      nextRefreshAt: NOW + 15 * DAY,
      expectedVersion: 'any',
      now: NOW,
    })
    tokens.set(id, plaintext)
    await appendEvent(store, {
      type: 'account.connected',
      accountId: id,
      metaUserId: `1784${String(i).padStart(11, '0')}`,
      detail: { n: i },
      now: NOW,
    })
  }
  apiKey = (await createApiKey(store, { name: 'site', now: NOW })).key
  for (const accountId of [...tokens.keys()].slice(0, 3)) {
    const feed = await createFeed(store, {
      accountId,
      limit: 6,
      allowedOrigins: ['https://site.example'],
      label: 'home page',
      now: NOW,
    })
    feedIds.push(feed.id)
  }
  sessionToken = (await createDashboardSession(store, { ttlMs: 400 * DAY, now: Date.now() })).token
  await createDashboardSession(store, { ttlMs: 400 * DAY, now: Date.now() })
  await createDeletionRequest(store, { metaUserId: '17840000000999', source: 'meta', now: NOW })
  await insertConnectLink(store, {
    secret: 'a-connect-link-secret-of-some-length',
    label: 'client',
    metadata: '{"customer":"c-1"}',
    scopes: ['instagram_business_basic'],
    returnTo: null,
    expiresAt: NOW + 7 * DAY,
    now: NOW,
  })
  const subscriber = await createWebhookSubscriber(store, keyring, {
    url: 'https://hooks.example.com/igtoken',
    secret: 'a-webhook-secret-of-some-length',
    events: ['*'],
    now: NOW,
  })
  await enqueueWebhookDeliveries(store, {
    eventType: 'token.refreshed',
    payload: '{"type":"token.refreshed"}',
    subscriberIds: [subscriber.id],
    now: NOW,
  })
  await createConnectAttempt(store, {
    state: 'a'.repeat(43),
    browserBinding: 'b'.repeat(43),
    flavor: 'instagram-login',
    returnTo: null,
    scopes: ['instagram_business_basic'],
    label: null,
    ttlMs: 600_000,
    now: NOW,
  })
}

before(async () => {
  const store = await openStore(sourceUrl)
  await migrateToLatest(store)
  await seed(store)
  await store.close()
})

after(async () => {
  for (const database of databases) await database.drop()
  databases = []
  rmSync(dir, { recursive: true, force: true })
})

describe('igtoken migrate refuses bad input and writes nothing', () => {
  test('a missing --to is a usage error', async () => {
    const run = await runCli(['migrate', '--from', sourceUrl], {})
    assert.equal(run.code, 2)
    assert.match(run.stderr, /--to/)
  })

  test('an unknown scheme names the flag and the scheme', async () => {
    const run = await runCli(['migrate', '--from', 'mysql://u:pw@h/db', '--to', sourceUrl], {})
    assert.equal(run.code, 2)
    assert.match(run.stderr, /--from: database scheme "mysql" is not supported/)
    assert.doesNotMatch(run.stderr, /pw@/)
  })

  test('a source file that does not exist is refused and not created', async () => {
    const missing = join(dir, 'nope.db')
    const target = await fresh()
    const run = await runCli(['migrate', '--from', `sqlite:${missing}`, '--to', target.url], {})
    assert.equal(run.code, 2)
    assert.match(run.stderr, /no SQLite database at/)
    assert.equal(existsSync(missing), false)
  })

  test('the same database on both sides is refused', async () => {
    const run = await runCli(['migrate', '--from', sourceUrl, '--to', sourceUrl], {})
    assert.equal(run.code, 2)
    assert.match(run.stderr, /same database/)
  })

  test('an in-memory database is refused', async () => {
    const run = await runCli(['migrate', '--from', sourceUrl, '--to', ':memory:'], {})
    assert.equal(run.code, 2)
    assert.match(run.stderr, /in-memory/)
  })

  test('an unreachable server is "unavailable" and the password never shows', async () => {
    const run = await runCli(
      [
        'migrate',
        '--from',
        sourceUrl,
        '--to',
        'postgres://me:hunter22@127.0.0.1:1/igtoken',
        '--json',
      ],
      {},
    )
    assert.equal(run.code, 3)
    assert.match(run.stderr, /--to: nothing answers at postgres:\/\/me@127\.0\.0\.1:1\/igtoken/)
    assert.doesNotMatch(run.stderr + run.stdout, /hunter22/)
    const body = JSON.parse(run.stdout) as { error: { code: string } }
    assert.equal(body.error.code, 'database_unavailable')
  })
})

describe('igtoken migrate copies everything, still encrypted, and verifies', () => {
  test('SQLite → PostgreSQL: every row, sealed tokens that open with the same keys, a working API key', async () => {
    const target = await fresh()
    const run = await runCli(['migrate', '--from', sourceUrl, '--to', target.url, '--json'], {})
    assert.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout) as JsonReport
    assert.equal(report.verified, true)
    assert.doesNotMatch(report.to, /:[^/@]*@/, 'no password in the report')
    const expected = await counts(sourceUrl)
    assert.deepEqual(await counts(target.url), expected)
    assert.equal(expected['accounts'], ACCOUNTS)
    assert.equal(expected['feeds'], 3)
    assert.equal(expected['dashboard_sessions'], 2)
    for (const t of report.tables) {
      assert.ok(t.table in expected, `the test counts ${t.table} too`)
      assert.equal(t.source, expected[t.table])
      assert.equal(t.target, t.source)
      assert.equal(t.verified, true)
    }

    const source = await openStore(sourceUrl)
    const copy = await openStore(target.url)
    try {
      for (const [accountId, plaintext] of tokens) {
        const before = await getToken(source, accountId, 'instagram_long_lived')
        const after = await getToken(copy, accountId, 'instagram_long_lived')
        assert.ok(before && after)
        assert.equal(after.ciphertext, before.ciphertext, 'copied as stored, not re-sealed')
        assert.equal(after.key_id, 'k1')
        assert.equal(openToken(keyring, after).plaintext, plaintext)
      }
      assert.ok(await verifyApiKey(copy, apiKey, NOW), 'the API key still verifies')
      for (const feedId of feedIds) {
        const feed = await getFeed(copy, feedId)
        assert.equal(feed?.label, 'home page', 'the feed came along')
      }
      assert.ok(
        await findDashboardSession(copy, sessionToken, Date.now()),
        'a dashboard session signed in before the move still works',
      )
      const subscriber = await copy.db
        .selectFrom('webhook_subscribers')
        .selectAll()
        .executeTakeFirstOrThrow()
      assert.equal(
        openWebhookSecret(keyring, subscriber).plaintext,
        'a-webhook-secret-of-some-length',
      )
    } finally {
      await source.close()
      await copy.close()
    }

    const again = await runCli(['migrate', '--from', sourceUrl, '--to', target.url], {})
    assert.equal(again.code, 2, 'a second run into the filled target is refused')
    assert.match(again.stderr, /already has rows in accounts/)
    assert.match(again.stderr, /--force/)
    assert.deepEqual(await counts(target.url), expected, 'and writes nothing')

    const forced = await runCli(['migrate', '--from', sourceUrl, '--to', target.url, '--force'], {})
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, /accounts +120 +120 +ok/)
    assert.deepEqual(await counts(target.url), expected, '--force overwrites, never duplicates')
  })

  test('--skip-connect-attempts leaves sign-ins in progress behind; PostgreSQL → SQLite works too', async () => {
    const middle = await fresh()
    const run = await runCli(
      ['migrate', '--from', sourceUrl, '--to', middle.url, '--skip-connect-attempts', '--json'],
      {},
    )
    assert.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout) as JsonReport
    assert.deepEqual(report.skipped, ['connect_attempts'])
    assert.equal((await counts(middle.url))['connect_attempts'], 0)

    const back = `sqlite:${join(dir, 'back.db')}`
    const home = await runCli(['migrate', '--from', middle.url, '--to', back, '--json'], {})
    assert.equal(home.code, 0, home.stderr)
    assert.deepEqual(await counts(back), { ...(await counts(sourceUrl)), connect_attempts: 0 })
  })

  test('a store copy that fails half-way leaves the target as it was', async () => {
    const target = await fresh()
    const from = await openStore(sourceUrl)
    const to = await openStore(target.url)
    try {
      await migrateToLatest(to)
      const controller = new AbortController()
      await assert.rejects(
        copyStore(from, to, {
          batchSize: 10,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.table === 'tokens') controller.abort(new Error('stop here'))
          },
        }),
        /stop here/,
      )
      const accounts = await to.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      assert.equal(accounts.n, 0, 'the accounts copied before the stop were rolled back')
      await assert.rejects(copyStore(from, to, { skip: ['tokens'] }), {
        code: 'ERR_INVALID_ARG_VALUE',
      })
      await assert.rejects(copyStore(from, to, { batchSize: 0 }), { code: 'ERR_INVALID_ARG_VALUE' })
    } finally {
      await from.close()
      await to.close()
    }
  })
})
