// Refresh engine throughput (measured by engine.mjs, from dist/: run `npm run build` first): N Instagram accounts all due, Meta (the emulator, in its own process so
// its memory is not counted) adding LATENCY_MS to every refresh, concurrency C. Reports refreshes per
// second, total time against the floor N × latency / C, the same ratio for a plain fetch loop run
// beside it (the baseline), and the engine process's peak RSS. 127.0.0.1 only.
//
//   npm run build && node --import tsx bench/refresh/run.ts   # N = 1,000 and 10,000
//   BENCH_N=1000,10000,100000 node --import tsx bench/refresh/run.ts
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_APP, EmulatorControlClient } from '../../src/emulator/index.js'
import {
  generateKey,
  migrateToLatest,
  openStore,
  parseKeyring,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'

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

function child(phase: 'seed' | 'baseline' | 'run', env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        ...(phase === 'run' && process.env['BENCH_PROFILE_DIR'] !== undefined
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`]
          : []),
        '--expose-gc',
        // The measured phase runs the engine from dist/ without tsx, as production does.
        ...(phase !== 'seed'
          ? [new URL('engine.mjs', import.meta.url).pathname]
          : ['--import', 'tsx', new URL(import.meta.url).pathname]),
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
  await seed(...args)
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
      const base = JSON.parse(await child('baseline', env)) as { baseline_ratio: number }
      const result = JSON.parse(await child('run', env)) as { ratio: number }
      const ratioToBaseline = +(result.ratio / base.baseline_ratio).toFixed(2)
      process.stdout.write(
        `${JSON.stringify({ ...result, ...base, ratio_to_baseline: ratioToBaseline, seed_s: seeded.seed_s })}\n`,
      )
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
