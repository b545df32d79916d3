// The refresh bench's measured phase, in plain JavaScript so that it runs the engine from the built
// dist/ exactly as `igtoken serve` does (no tsx compiler in the process: it was 50–80 MB of the
// peak RSS). Started by run.ts with BENCH_ONE_N, BENCH_URL, BENCH_DB and BENCH_KEYS; prints one
// JSON line. 127.0.0.1 only.
import { limitHeapGrowth } from '../../dist/app/heap-growth.js'
import { RefreshEngine } from '../../dist/broker/refresh-scheduler.js'
import { TokenRefresher } from '../../dist/broker/refresh-token.js'
import { ChangeHub } from '../../dist/broker/effects/change-hub.js'
import { DEMO_APP, EmulatorControlClient } from '../../dist/emulator/index.js'
import { createMetaClient, emulatorBaseUrls } from '../../dist/meta/index.js'
import { openStore, parseKeyring } from '../../dist/store/index.js'
import { WORKER_PAGE_CACHE_MB } from '../../dist/app/store-options.js'

// As `serve` and `worker` do at start (openRuntime); BENCH_HEAP_GROWTH=v8 measures V8's default.
if (process.env['BENCH_HEAP_GROWTH'] !== 'v8') limitHeapGrowth()

const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 50)
const C = Number(process.env['BENCH_CONCURRENCY'] ?? 200)
const DAY = 86_400_000
const USER = '17841405793187218'

/** Runs `fn` over `items` with `lanes` at once. */
async function pool(items, lanes, fn) {
  let next = 0
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await fn(items[next++])
    }),
  )
}

/**
 * The baseline, in a process of its own so that its minted tokens and sockets do not colour the
 * engine's RSS: a plain loop of the same refresh calls with the same concurrency, on fresh tokens.
 */
async function baselineLoop() {
  const baseN = Math.min(n, 10_000)
  const baselineTokens = []
  await pool(
    Array.from({ length: baseN }, (_, i) => i),
    32,
    async () => {
      const minted = await control.mintToken({
        appId: DEMO_APP.instagramAppId,
        userId: USER,
        kind: 'long',
      })
      baselineTokens.push(minted.access_token)
    },
  )
  const baseCpu = process.cpuUsage()
  const baseStart = performance.now()
  await pool(baselineTokens, C, async (token) => {
    const res = await fetch(
      `${url}/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=${encodeURIComponent(token)}`,
    )
    await res.text()
  })
  const baseMs = performance.now() - baseStart
  const baseCpuUsed = process.cpuUsage(baseCpu)
  baselineTokens.length = 0
  globalThis.gc?.()
  const cpuMs = (baseCpuUsed.user + baseCpuUsed.system) / 1000
  process.stdout.write(
    `${JSON.stringify({
      baseline_n: baseN,
      baseline_ratio: +(baseMs / ((baseN * LATENCY_MS) / C)).toFixed(3),
      baseline_cpu_ms_per_call: +(cpuMs / baseN).toFixed(3),
    })}\n`,
  )
}

const n = Number(process.env['BENCH_ONE_N'])
const url = process.env['BENCH_URL'] ?? ''
const keyring = parseKeyring(process.env['BENCH_KEYS'] ?? '')
// Opened as `igtoken worker` opens it (src/app/runtime.ts): the engine's own process.
const store = await openStore(`sqlite:${process.env['BENCH_DB'] ?? ''}`, {
  pageCacheMb: WORKER_PAGE_CACHE_MB,
})
const control = new EmulatorControlClient(url)

if (process.env['BENCH_PHASE'] === 'baseline') {
  await baselineLoop()
  process.exit(0)
}

const meta = createMetaClient({
  flavor: 'instagram-login',
  appId: DEMO_APP.instagramAppId,
  appSecret: DEMO_APP.instagramAppSecret,
  redirectUri: 'http://127.0.0.1:8787/callback',
  baseUrls: emulatorBaseUrls(url),
  retries: 0,
})
const ctx = {
  store,
  keyring,
  meta,
  flavor: 'instagram-login',
  scopes: undefined,
  publicUrl: 'http://127.0.0.1:8787',
  redirectUri: 'http://127.0.0.1:8787/callback',
  connectStateTtlMs: 600_000,
  callbackSecrets: [],
  refreshOnReadWithinMs: 7 * DAY,
  changes: new ChangeHub(),
  now: Date.now,
}
const refresher = new TokenRefresher(ctx, { owner: 'bench', leaseMs: 600_000, writeBehind: {} })
const engine = new RefreshEngine(ctx, refresher, {
  concurrency: C,
  batchSize: 500,
  leaseMs: 600_000,
})
globalThis.gc?.()
const FIELDS = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers']
const mb = (bytes) => Math.round(bytes / 1024 / 1024)
/** Each of `process.memoryUsage()`'s figures, in MB. */
const memory = () => {
  const usage = process.memoryUsage()
  return Object.fromEntries(FIELDS.map((f) => [f, mb(usage[f])]))
}
const before = memory()
const rssBefore = process.memoryUsage().rss
let peakRss = rssBefore
// The breakdown at the moment of the peak RSS, and each figure's own peak.
let atPeak = before
const peaks = { ...before }
const sampler = setInterval(() => {
  const now = memory()
  for (const f of FIELDS) peaks[f] = Math.max(peaks[f], now[f])
  if (process.memoryUsage().rss > peakRss) {
    peakRss = process.memoryUsage().rss
    atPeak = now
  }
  if (process.env['BENCH_MEMORY_TRACE'] === '1') process.stderr.write(`${JSON.stringify(now)}\n`)
}, 50)
const cpuStart = process.cpuUsage()
const start = performance.now()
const round = await engine.runOnce()
const ms = performance.now() - start
const cpu = process.cpuUsage(cpuStart)
clearInterval(sampler)
globalThis.gc?.()
const retainedMb = Math.round(process.memoryUsage().heapUsed / 1024 / 1024)
peakRss = Math.max(peakRss, process.memoryUsage().rss)
const floor = (n * LATENCY_MS) / C
// On a loaded machine some calls time out and are retried later in the round (outcome `failed`):
// they are reported, not hidden; the ratio then includes their retries.
const refreshed = round.outcomes.refreshed ?? 0
const cpuMs = (usage) => (usage.user + usage.system) / 1000
process.stdout.write(
  `${JSON.stringify({
    n,
    refreshed,
    outcomes: round.outcomes,
    concurrency: C,
    latency_ms: LATENCY_MS,
    refreshes_per_s: Math.round((refreshed / ms) * 1000),
    total_s: +(ms / 1000).toFixed(2),
    floor_s: +(floor / 1000).toFixed(2),
    ratio: +(ms / floor).toFixed(3),
    cpu_ms_per_refresh: +(cpuMs(cpu) / n).toFixed(3),
    peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    heap_after_gc_mb: retainedMb,
    rss_before_mb: Math.round(rssBefore / 1024 / 1024),
    memory_before_mb: before,
    memory_at_peak_mb: atPeak,
    memory_peaks_mb: peaks,
  })}\n`,
)
await store.close()
