// bench/token-api-defaults: the token API as `npm start` runs it — `node dist/cli/main.js serve`
// with nothing set but what it requires (app id and secret, encryption keys, a data folder and a
// port), so its logger, metrics, rate limits, security headers and the 30 s token cache are the
// defaults — measured from outside with one API key and 50 connections over 10,000 accounts
// (env BENCH_ACCOUNTS, BENCH_SECONDS, default 8), beside a bare Fastify route answering the same
// bytes in the same run. Every answer must be 2xx. Needs `npm run build` first.
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { sql } from 'kysely'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  createApiKey,
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
} from '../../src/store/index.js'
import { seedAccounts } from '../million/seed.js'
import { freePort } from '../../test/helpers/ports.js'

const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8)
const CONNECTIONS = 50
const root = new URL('../../', import.meta.url).pathname

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

async function load(url: string, headers: Record<string, string>, paths: readonly string[]) {
  let i = 0
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] ?? '/' }) }],
  })
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    bytes: result.throughput.average / Math.max(1, result.requests.average),
  }
}

const work = mkdtempSync(join(tmpdir(), 'igtoken-defaults-'))
const keys = generateKey('bench')
const dataDir = join(work, 'data')
const store = await openStore(`sqlite:${join(dataDir, 'igtoken.db')}`)
await migrateToLatest(store)
const seeded = await seedAccounts(store, parseKeyring(keys), { count: ACCOUNTS, now: Date.now() })
// As the refresh engine keeps them (refreshed 14 days before expiry): no token within the
// refresh-on-read window, so reads measure serving, not refresh attempts at an absent Meta.
await sql`UPDATE tokens SET expires_at = expires_at + ${15 * 86_400_000}`.execute(store.db)
const { key } = await createApiKey(store, { name: 'bench', now: Date.now() })
await store.close()
const paths = seeded.samples
  .filter((s) => s.status === 'active')
  .map((s) => `/api/v1/accounts/${s.id}/token`)

const port = await freePort()
// BENCH_SERVE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the service.
const serveNodeArgs = (process.env['BENCH_SERVE_NODE_ARGS'] ?? '').split(' ').filter(Boolean)
const serve = spawn(process.execPath, [...serveNodeArgs, join(root, 'dist/cli/main.js'), 'serve'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    IGTOKEN_PORT: String(port),
    IGTOKEN_DATA_DIR: dataDir,
    IGTOKEN_APP_ID: '1234567890',
    IGTOKEN_APP_SECRET: 'bench-secret-bench-secret',
    IGTOKEN_ENCRYPTION_KEYS: keys,
    // Only for experiments (BENCH_IGTOKEN_LOG_LEVEL=warn sets IGTOKEN_LOG_LEVEL): the figure in
    // the docs sets none.
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter(([name]) => name.startsWith('BENCH_IGTOKEN_'))
        .map(([name, value]) => [name.slice('BENCH_'.length), value]),
    ),
  },
})
const base = `http://127.0.0.1:${port}`
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break
  } catch {
    if (i > 200) throw new Error('igtoken serve did not start')
  }
  await sleep(100)
}
const sample = await fetch(`${base}${paths[0] ?? ''}`, {
  headers: { authorization: `Bearer ${key}` },
})
const body = await sample.text()
if (process.env['BENCH_SHOW_HEADERS'] !== undefined) console.error([...sample.headers])
if (!sample.ok) throw new Error(`token API answered ${sample.status}`)

const bare = spawn(
  process.execPath,
  [
    ...(process.env['BENCH_BARE_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    '--import',
    'tsx',
    join(root, 'bench/token-api-defaults/bare.ts'),
    String(body.length),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
)
const barePort = Number(
  await new Promise<string>((resolve) =>
    createInterface({ input: bare.stdout }).once('line', resolve),
  ),
)

// Alternating rounds after a warm-up of each; the best round of each side is kept.
const rounds: {
  bare: Awaited<ReturnType<typeof load>>[]
  api: Awaited<ReturnType<typeof load>>[]
} = { bare: [], api: [] }
await load(`http://127.0.0.1:${barePort}`, {}, ['/api/v1/accounts/acc_x/token'])
await load(base, { authorization: `Bearer ${key}` }, paths)
for (let r = 0; r < 2; r++) {
  rounds.bare.push(await load(`http://127.0.0.1:${barePort}`, {}, ['/api/v1/accounts/acc_x/token']))
  rounds.api.push(await load(base, { authorization: `Bearer ${key}` }, paths))
}
await stop(bare)
await stop(serve)
rmSync(work, { recursive: true, force: true })

const best = (xs: Awaited<ReturnType<typeof load>>[]) =>
  xs.reduce((a, b) => (b.rps > a.rps ? b : a))
const b = best(rounds.bare)
const a = best(rounds.api)
console.log(`\n${CONNECTIONS} connections, ${SECONDS} s a round, ${ACCOUNTS} accounts, one key\n`)
console.log('| route | req/s | p99 ms | non-2xx | ratio to bare |')
console.log('|---|---:|---:|---:|---:|')
console.log(
  `| bare Fastify route, same ${body.length}-byte body | ${Math.round(b.rps)} | ${b.p99} | ${b.non2xx} | 1.00 |`,
)
console.log(
  `| token API, \`npm start\` defaults | ${Math.round(a.rps)} | ${a.p99} | ${a.non2xx + a.errors} | ${(a.rps / b.rps).toFixed(2)} |`,
)
for (const [name, xs] of Object.entries(rounds)) {
  console.log(
    `${name} rounds: ${xs.map((x) => `${Math.round(x.rps)} req/s (${x.non2xx + x.errors} non-2xx)`).join(', ')}`,
  )
}
