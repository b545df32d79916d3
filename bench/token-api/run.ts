// bench/token-api: GET /api/v1/accounts/{id}/token (key check, row read, decrypt) with 10,000
// accounts, beside a bare Fastify route answering the same JSON size, in the same run.
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 10_000)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8)
const CONNECTIONS = 50

interface Started {
  port: number
  key?: string
  ids?: string[]
  stop: () => void
}

async function startServer(
  mode: 'bare' | 'api',
  env: Record<string, string> = {},
): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./server.ts', import.meta.url).pathname, mode, String(ACCOUNTS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    },
  )
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise<string>((resolve) => lines.once('line', resolve))
  const info = JSON.parse(first) as Omit<Started, 'stop'>
  return { ...info, stop: () => child.kill('SIGTERM') }
}

async function measure(name: string, server: Started, pickPath: (i: number) => string) {
  let i = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: server.key === undefined ? {} : { authorization: `Bearer ${server.key}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: pickPath(i++) }) }],
  })
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { name, rps: result.requests.average, p99: result.latency.p99 }
}

const rows = []
const bare = await startServer('bare')
rows.push(
  await measure('bare Fastify route, same JSON size', bare, () => '/api/v1/accounts/acc_x/token'),
)
bare.stop()
for (const [label, cacheSeconds] of [
  ['token API, cache off', '0'],
  ['token API, 30 s cache', '30'],
] as const) {
  const api = await startServer('api', { IGTOKEN_TOKEN_CACHE_SECONDS: cacheSeconds })
  const ids = api.ids ?? []
  // Requests spread over every account, as many apps reading many accounts would.
  rows.push(
    await measure(
      `${label} (${ids.length} accounts)`,
      api,
      (n) => `/api/v1/accounts/${ids[n % ids.length]}/token`,
    ),
  )
  api.stop()
}
const baseline = rows[0]?.rps ?? 1
console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, 127.0.0.1\n`)
console.log('| route | req/s | p99 ms | ratio to bare |')
console.log('|---|---:|---:|---:|')
for (const r of rows)
  console.log(`| ${r.name} | ${Math.round(r.rps)} | ${r.p99} | ${(r.rps / baseline).toFixed(2)} |`)
