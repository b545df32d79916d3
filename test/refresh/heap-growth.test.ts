// serve and worker limit how far V8 lets the old generation grow past what it kept (see
// src/app/heap-growth.ts): the refresh engine's peak RSS was mostly garbage V8 collected late.
// Checked by the old space's peak in a child process that churns like the engine, with and
// without the limit, and with an operator's own value, which must win.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const CHILD = new URL('./heap-churn.ts', import.meta.url).pathname

async function oldSpacePeakMb(mode: 'limit' | 'none', nodeArgs: string[] = []): Promise<number> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '--import', 'tsx', CHILD, mode], {
    timeout: 120_000,
  })
  return Number(stdout.trim())
}

test('limitHeapGrowth keeps the old generation near what is alive; an operator value wins', async () => {
  const unlimited = await oldSpacePeakMb('none')
  const limited = await oldSpacePeakMb('limit')
  assert.ok(
    limited < unlimited * 0.7,
    `old space peak ${String(limited)} MB with the limit, ${String(unlimited)} MB without`,
  )
  const operator = await oldSpacePeakMb('limit', ['--heap-growing-percent=300'])
  assert.ok(
    operator > limited * 1.4,
    `an operator's --heap-growing-percent=300 is kept: ${String(operator)} MB vs ${String(limited)} MB`,
  )
})
