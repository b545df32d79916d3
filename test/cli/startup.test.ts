import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { BIN } from './cli-process.js'

// Records every module URL Node resolves, through a loader hook registered before main.js runs.
const HOOKS = `
import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.IGTOKEN_TRACE_FILE, result.url + '\\n')
  return result
}
`
const REGISTER = `
import { register } from 'node:module'
register('./hooks.mjs', import.meta.url)
`

const HEAVY =
  /\/node_modules\/(better-sqlite3|pg|kysely|fastify|@fastify|playwright-core|selfsigned|open|@clack|pino|eta|zod)\//

function loaded(args: readonly string[], expectedStatus = 0): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-trace-'))
  try {
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS)
    writeFileSync(join(dir, 'register.mjs'), REGISTER)
    const trace = join(dir, 'trace.txt')
    writeFileSync(trace, '')
    const r = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...args], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        IGTOKEN_TRACE_FILE: trace,
        IGTOKEN_DATA_DIR: join(dir, 'data'),
        NO_COLOR: '1',
      },
      encoding: 'utf8',
    })
    assert.equal(r.status, expectedStatus, r.stderr)
    return readFileSync(trace, 'utf8').split('\n').filter(Boolean)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('control: the hook does see heavy modules when a command loads them (keys list opens the store)', () => {
  // keys list creates and opens the demo database in the scratch folder (the doctor no longer
  // opens a database that does not exist yet).
  const urls = loaded(['keys', 'list'], 0)
  assert.ok(urls.some((u) => u.endsWith('/dist/cli/main.js')))
  assert.ok(urls.some((u) => u.includes('/node_modules/better-sqlite3/')))
})

for (const args of [
  ['--help'],
  ['login', '--help'],
  ['accounts', 'list', '--help'],
  ['doctor', '--help'],
]) {
  test(`igtoken ${args.join(' ')} loads no database driver, server, browser or prompt code`, () => {
    const heavy = loaded(args).filter(
      (u) => HEAVY.test(u) || /\/dist\/(store|server|emulator|broker)\//.test(u),
    )
    assert.deepEqual(heavy, [])
  })
}

test('igtoken encryption-key loads the cipher, not the database driver', () => {
  const urls = loaded(['encryption-key'])
  assert.ok(urls.some((u) => u.endsWith('/dist/store/cipher.js')))
  assert.deepEqual(
    urls.filter((u) => HEAVY.test(u)),
    [],
  )
})
