// Refresh engine throughput: N Instagram accounts all due, Meta (the emulator, in its own process so
// its memory is not counted) adding LATENCY_MS to every refresh, concurrency C. Reports refreshes per
// second, total time against the floor N × latency / C, the same ratio for a plain fetch loop run
// beside it (the baseline), and the engine process's peak RSS. 127.0.0.1 only.
//
//   node --import tsx bench/refresh/run.ts            # N = 1,000 and 10,000
//   BENCH_N=1000,10000,100000 node --import tsx bench/refresh/run.ts
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RefreshEngine } from '../../src/broker/refresh-scheduler.js'
import { TokenRefresher } from '../../src/broker/refresh-token.js'
import type { BrokerContext } from '../../src/broker/context.js'
import { DEMO_APP, EmulatorControlClient } from '../../src/emulator/index.js'
import { createMetaClient, emulatorBaseUrls } from '../../src/meta/index.js'
import {
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import { ChangeHub } from '../../src/broker/effects/change-hub.js'

const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 50)
const C = Number(process.env['BENCH_CONCURRENCY'] ?? 200)
const SIZES = (process.env['BENCH_N'] ?? '1000,10000').split(',').map(Number)
const DAY = 86_400_000
const USER = '17841405793187218'
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname

async function startEmulatorProcess(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const configFile = join(dir, 'emulator.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      config: {
        refreshMinAgeSec: 0,
        requestLogLimit: 1000,
        limits: { appCalls: 1e12, userCalls: 1e12 },
        faults: {
          rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: LATENCY_MS }],
        },
      },
    }),
  )
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'emulator', '--port', '0', '--config', configFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1] !== undefined) resolve(m[1])
    })
    child.on('exit', () => {
      reject(new Error(`emulator exited:\n${out}`))
    })
  })
  return { url, child }
}

async function pool<T>(
  items: readonly T[],
  lanes: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const item = items[next++] as T
        await fn(item)
      }
    }),
  )
}

/** Seeds N due accounts (tokens minted in the emulator) into the database, in batches. */
async function seed(n: number, url: string, dbPath: string, keys: string): Promise<void> {
  {
    const control = new EmulatorControlClient(url)
    const keyring = parseKeyring(keys)
    const store = await openStore(`sqlite:${dbPath}`)
    await migrateToLatest(store)

    // Seed: mint in the emulator, store sealed, in batches (never all in memory at once).
    const seedStart = Date.now()
    const now = Date.now()
    const BATCH = 1000
    for (let done = 0; done < n; done += BATCH) {
      const count = Math.min(BATCH, n - done)
      const minted: { access_token: string; expires_at: number }[] = []
      await pool(
        Array.from({ length: count }, (_, i) => i),
        32,
        async () => {
          minted.push(
            await control.mintToken({ appId: DEMO_APP.instagramAppId, userId: USER, kind: 'long' }),
          )
        },
      )
      await store.db.transaction().execute(async (trx) => {
        const tx = { db: trx, dialect: store.dialect }
        for (const [i, token] of minted.entries()) {
          const { id } = await upsertAccount(tx, {
            flavor: 'instagram-login',
            metaUserId: `7${String(done + i).padStart(15, '0')}`,
            igUserId: USER,
            username: `bench_${done + i}`,
            scopes: ['instagram_business_basic'],
            now,
          })
          await saveToken(tx, keyring, {
            accountId: id,
            kind: 'instagram_long_lived',
            accessToken: token.access_token,
            issuedAt: now - 2 * DAY,
            expiresAt: token.expires_at * 1000,
            nextRefreshAt: now,
            expectedVersion: 'any',
            now,
          })
        }
      })
    }
    process.stdout.write(
      `${JSON.stringify({ seed_s: +((Date.now() - seedStart) / 1000).toFixed(1) })}\n`,
    )
    await store.close()
  }
}

/** Refreshes everything due; this process holds nothing else, so its peak RSS is the engine's. */
async function run(n: number, url: string, dbPath: string, keys: string): Promise<void> {
  {
    const keyring = parseKeyring(keys)
    const store = await openStore(`sqlite:${dbPath}`)
    const control = new EmulatorControlClient(url)
    // Baseline: a plain loop of refresh calls with the same concurrency, on fresh tokens.
    const baseN = Math.min(n, 10_000)
    const baselineTokens: string[] = []
    await pool(
      Array.from({ length: baseN }, (_, i) => i),
      32,
      async () => {
        baselineTokens.push(
          (await control.mintToken({ appId: DEMO_APP.instagramAppId, userId: USER, kind: 'long' }))
            .access_token,
        )
      },
    )
    const baseStart = performance.now()
    await pool(baselineTokens, C, async (token) => {
      const res = await fetch(
        `${url}/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=${encodeURIComponent(token)}`,
      )
      await res.text()
    })
    const baseMs = performance.now() - baseStart
    baselineTokens.length = 0
    global.gc?.()

    const meta = createMetaClient({
      flavor: 'instagram-login',
      appId: DEMO_APP.instagramAppId,
      appSecret: DEMO_APP.instagramAppSecret,
      redirectUri: 'http://127.0.0.1:8787/callback',
      baseUrls: emulatorBaseUrls(url),
      retries: 0,
    })
    const ctx: BrokerContext = {
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
    const refresher = new TokenRefresher(ctx, { owner: 'bench', leaseMs: 600_000 })
    const engine = new RefreshEngine(ctx, refresher, {
      concurrency: C,
      batchSize: 500,
      leaseMs: 600_000,
    })
    global.gc?.()
    const rssBefore = process.memoryUsage().rss
    let peakRss = rssBefore
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 50)
    const start = performance.now()
    const round = await engine.runOnce()
    const ms = performance.now() - start
    clearInterval(sampler)
    global.gc?.()
    const retainedMb = Math.round(process.memoryUsage().heapUsed / 1024 / 1024)
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    const floor = (n * LATENCY_MS) / C
    const baseFloor = (baseN * LATENCY_MS) / C
    const refreshed = round.outcomes.refreshed ?? 0
    if (refreshed !== n)
      throw new Error(`only ${refreshed} of ${n} refreshed: ${JSON.stringify(round.outcomes)}`)
    const line = {
      n,
      concurrency: C,
      latency_ms: LATENCY_MS,
      refreshes_per_s: Math.round((n / ms) * 1000),
      total_s: +(ms / 1000).toFixed(2),
      floor_s: +(floor / 1000).toFixed(2),
      ratio: +(ms / floor).toFixed(3),
      baseline_n: baseN,
      baseline_ratio: +(baseMs / baseFloor).toFixed(3),
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
      heap_after_gc_mb: retainedMb,
      rss_before_mb: Math.round(rssBefore / 1024 / 1024),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
    await store.close()
  }
}

function child(phase: 'seed' | 'run', env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        ...(phase === 'run' && process.env['BENCH_PROFILE_DIR'] !== undefined
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`]
          : []),
        '--expose-gc',
        '--import',
        'tsx',
        new URL(import.meta.url).pathname,
      ],
      {
        env: { ...process.env, ...env, BENCH_PHASE: phase },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let out = ''
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()))
    const timer = setTimeout(
      () => proc.kill('SIGKILL'),
      Number(process.env['BENCH_TIMEOUT_S'] ?? 900) * 1000,
    )
    proc.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out.trim())
      else reject(new Error(`${phase} exited ${code}: ${out}`))
    })
  })
}

// Each N gets a fresh emulator process, a seeding process and a refresh process, so that seeding's
// memory does not colour the engine's RSS.
const phase = process.env['BENCH_PHASE']
if (phase !== undefined) {
  const n = Number(process.env['BENCH_ONE_N'])
  const args = [
    n,
    process.env['BENCH_URL'] ?? '',
    process.env['BENCH_DB'] ?? '',
    process.env['BENCH_KEYS'] ?? '',
  ] as const
  await (phase === 'seed' ? seed(...args) : run(...args))
} else {
  process.stdout.write(
    `refresh engine, ${LATENCY_MS} ms Meta latency, concurrency ${C} (floor = N × latency / C)\n`,
  )
  for (const n of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'igtoken-bench-refresh-'))
    const emulator = await startEmulatorProcess(dir)
    try {
      const env = {
        BENCH_ONE_N: String(n),
        BENCH_URL: emulator.url,
        BENCH_DB: join(dir, 'igtoken.db'),
        BENCH_KEYS: generateKey('bench'),
      }
      const seeded = JSON.parse(await child('seed', env)) as { seed_s: number }
      const result = JSON.parse(await child('run', env)) as Record<string, unknown>
      process.stdout.write(`${JSON.stringify({ ...result, seed_s: seeded.seed_s })}\n`)
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ n, error: error instanceof Error ? error.message.slice(0, 300) : String(error) })}\n`,
      )
    } finally {
      emulator.child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
