// A child process for heap-growth.test.ts: keeps ~20 MB alive, replaced slowly so that promoted
// objects die in the old generation (as the refresh engine's long calls make them), and prints
// the old space's peak size in MB. `limit` first applies what serve and worker apply at start.
import { getHeapSpaceStatistics } from 'node:v8'
import { limitHeapGrowth } from '../../src/app/heap-growth.js'

if (process.argv[2] === 'limit') limitHeapGrowth()
const live: unknown[] = []
let peak = 0
for (let i = 0; i < 1_000_000; i++) {
  const o = { id: i, s: 'x'.repeat(40) + String(i), a: [i, i + 1, i + 2] }
  live[i % 100_000] = o
  for (let k = 0; k < 5; k++) JSON.parse(JSON.stringify(o))
  if (i % 1000 === 0) {
    const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')
    peak = Math.max(peak, old?.space_size ?? 0)
  }
}
process.stdout.write(`${String(Math.round(peak / 1048576))}\n`)
