// `npm run bench`: every benchmark in turn (or those named: `npm run bench -- token-api feeds`).
// Each prints its own table with the baseline it measured beside it; see docs/benchmarks.md.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'

const root = new URL('.', import.meta.url).pathname
const wanted = process.argv.slice(2)
const all = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/run.ts`))
  .map((d) => d.name)
  .sort()
const chosen = wanted.length === 0 ? all : all.filter((name) => wanted.includes(name))
if (chosen.length === 0) {
  console.error(`no benchmark named ${wanted.join(', ')}; there are: ${all.join(', ')}`)
  process.exitCode = 2
}
for (const name of chosen) {
  console.log(`\n=== bench/${name}`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${root}${name}/run.ts`], {
    stdio: 'inherit',
  })
  if (run.status !== 0) {
    process.exitCode = 1
    console.error(`bench/${name} failed (status ${String(run.status)})`)
  }
}
