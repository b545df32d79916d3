import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { ConfigError, loadConfig } from '../../src/config.js'
import { storeOptionsOf } from '../../src/app/store-options.js'
import { openStore } from '../../src/store/index.js'
import { createPostgresDatabase } from '../helpers/postgres.js'
import type { PostgresTestDatabase } from '../helpers/postgres.js'

const PG = 'postgres://u:p@db.example:5432/igtoken'
const dir = mkdtempSync(join(tmpdir(), 'igtoken-pgopts-'))
const caFile = join(dir, 'ca.pem')
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
after(() => {
  rmSync(dir, { recursive: true, force: true })
})

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, { envFile: false })
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error))
    return error
  }
  assert.fail('expected a ConfigError')
}

describe('IGTOKEN_DATABASE_* configuration', () => {
  const refusals: [Record<string, string>, string, RegExp][] = [
    [{ IGTOKEN_DATABASE_POOL_SIZE: '0' }, 'IGTOKEN_DATABASE_POOL_SIZE', /1 to 1000/],
    [{ IGTOKEN_DATABASE_POOL_SIZE: 'ten' }, 'IGTOKEN_DATABASE_POOL_SIZE', /"ten"/],
    [
      { IGTOKEN_DATABASE_STATEMENT_TIMEOUT_MS: '-1' },
      'IGTOKEN_DATABASE_STATEMENT_TIMEOUT_MS',
      /0 \(no limit\)/,
    ],
    [
      { IGTOKEN_DATABASE_URL: PG, IGTOKEN_DATABASE_SSL_MODE: 'prefer' },
      'IGTOKEN_DATABASE_SSL_MODE',
      /disable, require, verify-ca, verify-full/,
    ],
    [
      { IGTOKEN_DATABASE_SSL_MODE: 'require' },
      'IGTOKEN_DATABASE_SSL_MODE',
      /only applies to a postgres/,
    ],
    [
      { IGTOKEN_DATABASE_URL: `${PG}?sslmode=disable`, IGTOKEN_DATABASE_SSL_MODE: 'verify-full' },
      'IGTOKEN_DATABASE_SSL_MODE',
      /one place/,
    ],
    [
      { IGTOKEN_DATABASE_URL: PG, IGTOKEN_DATABASE_SSL_CA_FILE: join(dir, 'missing.pem') },
      'IGTOKEN_DATABASE_SSL_CA_FILE',
      /readable PEM file/,
    ],
    [
      { IGTOKEN_DATABASE_URL: PG, IGTOKEN_DATABASE_SSL_CA_FILE: caFile },
      'IGTOKEN_DATABASE_SSL_CA_FILE',
      /needs IGTOKEN_DATABASE_SSL_MODE/,
    ],
  ]
  for (const [env, variable, message] of refusals) {
    test(`refuses ${JSON.stringify(env)}`, () => {
      const error = configError(env)
      assert.equal(error.variable, variable)
      assert.match(error.message, message)
      assert.doesNotMatch(error.message, /u:p@/, 'credentials of the URL are never echoed')
    })
  }

  test('defaults: a pool of 10, a 30 s statement timeout, TLS as the URL says', () => {
    const config = loadConfig({}, { envFile: false })
    assert.deepEqual(config.database, {
      poolSize: 10,
      statementTimeoutMs: 30_000,
      sslMode: undefined,
      sslCaFile: undefined,
    })
    assert.deepEqual(storeOptionsOf(config), { poolSize: 10, statementTimeoutMs: 30_000 })
  })

  test('given values reach the store options, the CA file as PEM text', () => {
    const config = loadConfig(
      {
        IGTOKEN_DEMO: 'true',
        IGTOKEN_DATABASE_URL: PG,
        IGTOKEN_DATABASE_POOL_SIZE: '3',
        IGTOKEN_DATABASE_STATEMENT_TIMEOUT_MS: '0',
        IGTOKEN_DATABASE_SSL_MODE: 'verify-full',
        IGTOKEN_DATABASE_SSL_CA_FILE: caFile,
      },
      { envFile: false },
    )
    const options = storeOptionsOf(config)
    assert.equal(options.poolSize, 3)
    assert.equal(options.statementTimeoutMs, 0)
    assert.deepEqual(options.tls, { mode: 'verify-full', ca: readFileSync(caFile, 'utf8') })
  })
})

describe('openStore on PostgreSQL honours pool size, statement timeout and TLS', () => {
  let database: PostgresTestDatabase
  before(async () => {
    database = await createPostgresDatabase()
  })
  after(async () => {
    await database.drop()
  })

  test('bad options are refused before anything connects', async () => {
    for (const opts of [{ poolSize: 0 }, { statementTimeoutMs: -5 }, { poolSize: 1.5 }]) {
      await assert.rejects(openStore(database.url, opts), { code: 'ERR_INVALID_ARG_VALUE' })
    }
    await assert.rejects(
      openStore(`${database.url}?sslmode=disable`, { tls: { mode: 'require' } }),
      {
        code: 'ERR_INVALID_ARG_VALUE',
        message: /cannot be combined/,
      },
    )
  })

  test('a statement running past the timeout is cancelled by the server (57014)', async () => {
    const store = await openStore(database.url, { statementTimeoutMs: 100 })
    try {
      await assert.rejects(sql`select pg_sleep(5)`.execute(store.db), { code: '57014' })
      // The connection is still usable afterwards.
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db)
      assert.equal(rows[0]?.one, 1)
    } finally {
      await store.close()
    }
  })

  test('no more connections than the pool size, and they say who they are', async () => {
    const store = await openStore(database.url, { poolSize: 2 })
    try {
      const pids = await Promise.all(
        Array.from({ length: 6 }, () =>
          sql<{
            pid: number
          }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(store.db),
        ),
      )
      assert.equal(new Set(pids.map((r) => r.rows[0]?.pid)).size, 2)
      const { rows } = await sql<{
        name: string
      }>`select application_name as name from pg_stat_activity where pid = pg_backend_pid()`.execute(
        store.db,
      )
      assert.equal(rows[0]?.name, 'igtoken')
    } finally {
      await store.close()
    }
  })

  test('sslmode require against a server without TLS fails; disable connects', async () => {
    const tls = await openStore(database.url, { tls: { mode: 'require' } })
    try {
      await assert.rejects(sql`select 1`.execute(tls.db), /SSL|TLS/i)
    } finally {
      await tls.close()
    }
    const plain = await openStore(database.url, { tls: { mode: 'disable' } })
    try {
      const { rows } = await sql<{ ssl: boolean | null }>`
        select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(plain.db)
      assert.equal(rows[0]?.ssl, false)
    } finally {
      await plain.close()
    }
  })
})
