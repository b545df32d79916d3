// Start-up cost of the igtoken binary against a bare `node -e 0`, each spawned N times in
// alternation (so background load hits all alike); medians are reported. `igtoken inspect` runs
// against an in-process emulator, so it includes one HTTP round trip to Meta's stand-in.
// Needs the build: npm run build && node --import tsx bench/cli/run.ts
import { spawn } from 'node:child_process'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'

const RUNS = Number(process.env['BENCH_RUNS'] ?? 20)
const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname

const emu = await startEmulator({ port: 0 })
const { access_token: token } = await emu.control.mintToken({
  appId: DEMO_APP.instagramAppId,
  userId: '17841405793187218',
  kind: 'long',
})

// Asynchronous spawn: the emulator in this process must keep answering while the child runs.
async function time(args: readonly string[], env: Record<string, string> = {}): Promise<number> {
  const start = process.hrtime.bigint()
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (code !== 0) throw new Error(`${args.join(' ')} failed: ${stderr}`)
  return ms
}

const cases = {
  'node -e 0': () => time(['-e', '0']),
  'igtoken --help': () => time([BIN, '--help']),
  'igtoken inspect (emulator)': () =>
    time([BIN, 'inspect'], { IGTOKEN_TOKEN: token, IGTOKEN_META_EMULATOR_URL: emu.url }),
}
const samples: Record<string, number[]> = {}
for (const name of Object.keys(cases)) samples[name] = []
for (let i = 0; i < RUNS; i++) {
  for (const [name, run] of Object.entries(cases)) samples[name]?.push(await run())
}
await emu.close()

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}
const base = median(samples['node -e 0'] ?? [])
console.log(`node ${process.version}, ${RUNS} alternating spawns each, median wall time`)
console.log('| command | median ms | ratio to node -e 0 |')
console.log('|---|---|---|')
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs)
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}× |`)
}
