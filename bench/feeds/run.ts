// bench/feeds: a cached public feed (GET /feeds/{id}.json through the whole service: helmet
// headers, metrics, CORS, ETag) beside a bare Fastify route answering the same body, in the same
// run. Each server runs in its own process; autocannon runs here.
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8)
const CONNECTIONS = 50
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2)

interface Started {
  port: number
  bytes: number
  feedId?: string
  stop: () => void
}

async function startServer(mode: 'bare' | 'feed'): Promise<Started> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_FEED_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the service.
      ...(mode === 'feed'
        ? (process.env['BENCH_FEED_NODE_ARGS'] ?? '').split(' ').filter(Boolean)
        : []),
      '--import',
      'tsx',
      new URL('./server.ts', import.meta.url).pathname,
      mode,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise<string>((resolve) => lines.once('line', resolve))
  const info = JSON.parse(first) as Omit<Started, 'stop'>
  return { ...info, stop: () => child.kill('SIGTERM') }
}

async function measure(name: string, port: number, path: string, headers: Record<string, string>) {
  const result = await autocannon({
    url: `http://127.0.0.1:${String(port)}${path}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers,
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${String(result.non2xx)} non-2xx, ${String(result.errors)} errors`)
  }
  return { name, rps: result.requests.average, p99: result.latency.p99 }
}

const bare = await startServer('bare')
const feed = await startServer('feed')
const path = `/feeds/${feed.feedId ?? ''}.json`
const origin = { origin: 'https://www.example.com' }
// Warm both (JIT, the feed's first read from the database), then alternate so drift hits both.
await measure('warm-up', bare.port, path, {})
await measure('warm-up', feed.port, path, origin)
const rows: { name: string; rps: number; p99: number }[] = []
for (let round = 0; round < ROUNDS; round++) {
  rows.push(await measure('bare Fastify route, same body', bare.port, path, origin))
  rows.push(await measure('cached public feed (full service)', feed.port, path, origin))
}
bare.stop()
feed.stop()

const average = (name: string) => {
  const mine = rows.filter((r) => r.name === name)
  return {
    rps: mine.reduce((sum, r) => sum + r.rps, 0) / mine.length,
    p99: Math.max(...mine.map((r) => r.p99)),
  }
}
const b = average('bare Fastify route, same body')
const f = average('cached public feed (full service)')
console.log(
  `\n${String(CONNECTIONS)} connections, ${String(ROUNDS)} × ${String(SECONDS)} s each, body ${String(feed.bytes)} bytes, 127.0.0.1\n`,
)
console.log('| route | req/s | p99 ms | ratio to bare |')
console.log('|---|---:|---:|---:|')
console.log(
  `| bare Fastify route, same body | ${String(Math.round(b.rps))} | ${String(b.p99)} | 1.00 |`,
)
console.log(
  `| cached public feed (full service) | ${String(Math.round(f.rps))} | ${String(f.p99)} | ${(f.rps / b.rps).toFixed(2)} |`,
)
