import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { sql } from 'kysely'
import { openRuntime } from '../../src/app/runtime.js'
import { StartupError } from '../../src/app/startup-error.js'
import { loadConfig } from '../../src/config.js'
import { DEMO_APP } from '../../src/emulator/index.js'
import { listAccounts } from '../../src/store/index.js'
import { freePort } from '../helpers/ports.js'
import { createPostgresDatabase } from '../helpers/postgres.js'
import type { PostgresTestDatabase } from '../helpers/postgres.js'
import { SERVICE_DIALECTS } from '../helpers/service.js'
import { generateKey, saveToken, upsertAccount } from '../refresh/seed.js'

const folders: string[] = []
const databases: PostgresTestDatabase[] = []
after(async () => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
  for (const db of databases) await db.drop()
})

async function scratch(dialect: string): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-runtime-'))
  folders.push(dir)
  const env: Record<string, string> = {
    IGTOKEN_DATA_DIR: join(dir, 'data'),
    IGTOKEN_EMULATOR_PORT: String(await freePort()),
    IGTOKEN_LOG_LEVEL: 'silent',
  }
  if (dialect === 'postgres') {
    const db = await createPostgresDatabase()
    databases.push(db)
    env['IGTOKEN_DATABASE_URL'] = db.url
    // A demo on PostgreSQL is meant here (a live-looking setup without an app id is refused).
    env['IGTOKEN_DEMO'] = 'true'
  }
  return env
}

const config = (env: Record<string, string>) => loadConfig(env, { envFile: false })

for (const dialect of SERVICE_DIALECTS) {
  describe(`openRuntime [${dialect}]`, () => {
    test('demo mode: the key is made once in the data folder (0600) and every role opens it', async () => {
      const env = await scratch(dialect)
      const cli = await openRuntime(config(env), { role: 'cli' })
      const file = join(env['IGTOKEN_DATA_DIR'] ?? '', 'demo-encryption-key')
      let sealed
      try {
        assert.ok(existsSync(file))
        assert.equal(statSync(file).mode & 0o777, 0o600)
        sealed = cli.keyring.seal('a secret', 'row:1')
        // The CLI in demo mode talks to the demo app on the emulator `serve` runs.
        assert.equal(cli.emulatorUrl, `http://127.0.0.1:${env['IGTOKEN_EMULATOR_PORT'] ?? ''}`)
        assert.equal(cli.ctx.meta.flavor.name, 'instagram-login')
      } finally {
        await cli.close()
      }
      const keyText = readFileSync(file, 'utf8')
      const serve = await openRuntime(config(env), { role: 'serve' })
      try {
        assert.equal(serve.keyring.open(sealed, 'row:1').plaintext, 'a secret')
        assert.equal(readFileSync(file, 'utf8'), keyText, 'the key is not made again')
        // serve starts the emulator itself, on the configured port, with the demo app.
        const answer = await fetch(`${serve.emulatorUrl ?? ''}/_emulator/apps`)
        assert.equal(answer.status, 200)
        assert.ok(JSON.stringify(await answer.json()).includes(DEMO_APP.instagramAppId))
      } finally {
        await serve.close()
        await serve.close()
      }
      // Closed: the store refuses work, and the emulator port is free again.
      await assert.rejects(listAccounts(serve.store, { limit: 1 }))
      await assert.rejects(fetch(`${serve.emulatorUrl ?? ''}/_emulator/apps`))
    })

    test('a worker in demo mode is refused before anything is opened', async () => {
      const env = await scratch(dialect)
      await assert.rejects(
        openRuntime(config(env), { role: 'worker' }),
        (error: unknown) => error instanceof StartupError && error.code === 'demo_worker',
      )
      assert.equal(existsSync(join(env['IGTOKEN_DATA_DIR'] ?? '', 'igtoken.db')), false)
    })

    test('serve and worker refuse keys that do not open the stored secrets; the CLI still opens', async () => {
      const env = await scratch(dialect)
      const live = {
        ...env,
        IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
        IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
        IGTOKEN_META_EMULATOR_URL: 'http://127.0.0.1:9',
        IGTOKEN_ENCRYPTION_KEYS: generateKey('old'),
      }
      const first = await openRuntime(config(live), { role: 'cli' })
      try {
        const { id } = await upsertAccount(first.store, {
          flavor: 'instagram-login',
          metaUserId: '9000000000000001',
          igUserId: '17841405793187218',
          username: 'someone',
          scopes: ['instagram_business_basic'],
          now: Date.now(),
        })
        await saveToken(first.store, first.keyring, {
          accountId: id,
          kind: 'instagram_long_lived',
          accessToken: 'IGAAsealed-under-old',
          issuedAt: Date.now(),
          expiresAt: Date.now() + 86_400_000,
          nextRefreshAt: null,
          expectedVersion: 'any',
          now: Date.now(),
        })
        // The live app's own pair and emulator, not the demo's.
        assert.equal(first.emulatorUrl, 'http://127.0.0.1:9')
      } finally {
        await first.close()
      }
      const rotated = { ...live, IGTOKEN_ENCRYPTION_KEYS: generateKey('new') }
      for (const role of ['serve', 'worker'] as const) {
        await assert.rejects(
          openRuntime(config(rotated), { role }),
          (error: unknown) =>
            error instanceof StartupError &&
            error.code === 'keys_missing' &&
            error.message.includes('old') &&
            !error.message.includes('IGAA'),
        )
      }
      const cli = await openRuntime(config(rotated), { role: 'cli' })
      try {
        assert.equal((await listAccounts(cli.store, { limit: 10 })).items.length, 1)
      } finally {
        await cli.close()
      }
    })

    test('keys that do not parse are a start-up error naming the variable, never the value', async () => {
      const env = await scratch(dialect)
      const bad = {
        ...env,
        IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
        IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
        IGTOKEN_ENCRYPTION_KEYS: 'k1:c2VjcmV0LWJ1dC10b28tc2hvcnQ=',
      }
      await assert.rejects(
        openRuntime(config(bad), { role: 'cli' }),
        (error: unknown) =>
          error instanceof StartupError &&
          error.code === 'bad_keys' &&
          error.message.startsWith('IGTOKEN_ENCRYPTION_KEYS:') &&
          !error.message.includes('c2VjcmV0'),
      )
    })
  })
}

describe('openRuntime page cache (SQLite only: PostgreSQL has no per-process page cache)', () => {
  test('the worker keeps a smaller SQLite page cache than serve and the CLI', async () => {
    const env = await scratch('sqlite')
    const live = config({
      ...env,
      IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
      IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
      IGTOKEN_META_EMULATOR_URL: 'http://127.0.0.1:9',
      IGTOKEN_ENCRYPTION_KEYS: generateKey('k1'),
    })
    const sizes: Record<string, number> = {}
    for (const role of ['cli', 'serve', 'worker'] as const) {
      const runtime = await openRuntime(live, { role })
      try {
        // Read back from SQLite itself: negative means KiB.
        const { rows } = await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(
          runtime.store.db,
        )
        sizes[role] = Number(rows[0]?.cache_size)
      } finally {
        await runtime.close()
      }
    }
    assert.deepEqual(sizes, { cli: -32_000, serve: -32_000, worker: -8_000 })
  })
})
