#!/usr/bin/env node
// Runs every test file under test/ with node:test (TypeScript through tsx), then prints the
// plain "N passed, N failed" line that CI reads whatever reporter is in use.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)

function collect(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...collect(path))
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

ensureChromium()

const files = collect(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort()
if (files.length === 0) {
  console.error('no test files matched')
  process.exitCode = 1
} else {
  mkdirSync(join(root, 'test-artifacts'), { recursive: true })
  const tapFile = join(root, 'test-artifacts', 'results.tap')
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${process.env.IGTOKEN_TEST_CONCURRENCY ?? '3'}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
  )
  child.on('exit', (code, signal) => {
    const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : ''
    const count = (key) => {
      const last = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))].at(-1)
      return last ? Number(last[1]) : 0
    }
    const passed = count('pass')
    const failed = count('fail') + count('cancelled')
    const skipped = count('skipped')
    console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
    process.exitCode = code ?? (signal ? 1 : 0)
    if (failed > 0 && process.exitCode === 0) process.exitCode = 1
  })
}

// The browser tests drive Debian's chromium. Install it when it is missing and we may (root).
function ensureChromium() {
  if (existsSync('/usr/bin/chromium') || process.env.IGTOKEN_SKIP_BROWSER_INSTALL) return
  if (process.getuid?.() !== 0) {
    console.warn(
      'chromium is missing and we are not root: browser tests will fail. Install the "chromium" package.',
    )
    return
  }
  console.log('installing Debian chromium for the browser tests…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  spawnSync(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'],
    { stdio: 'inherit', env },
  )
}
