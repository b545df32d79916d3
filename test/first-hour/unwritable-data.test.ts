import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { runCli } from '../cli/cli-process.js'
import { freePort } from '../helpers/ports.js'

// Issue #15 item 8: an unwritable data folder names the folder, the variable and the fix instead
// of EACCES / "unable to open database file".

const dir = mkdtempSync(join(tmpdir(), 'igtoken-ro-'))
after(() => {
  chmodSync(join(dir, 'locked'), 0o700)
  rmSync(dir, { recursive: true, force: true })
})
const locked = join(dir, 'locked')
mkdirSync(locked)
chmodSync(locked, 0o500)
// Root ignores modes: there, a path under a file can be created by no one.
const dataDir = process.getuid?.() === 0 ? '/dev/null/igtoken-data' : join(locked, 'data')

function assertNamed(stderr: string): void {
  assert.match(stderr, /data_dir_unwritable|data folder/)
  assert.ok(stderr.includes(dataDir), `names ${dataDir}: ${stderr}`)
  assert.match(stderr, /IGTOKEN_DATA_DIR/)
  assert.match(stderr, /fix: .*(writable|may write)/)
  assert.doesNotMatch(stderr, /EACCES|ENOTDIR|unable to open database file|\n\s+at /)
}

test('serve with an unwritable data folder exits 2 naming the folder, the variable and the fix', async () => {
  const port = await freePort()
  const emulatorPort = await freePort()
  const r = await runCli(['serve'], {
    IGTOKEN_DATA_DIR: dataDir,
    IGTOKEN_PORT: String(port),
    IGTOKEN_EMULATOR_PORT: String(emulatorPort),
  })
  assert.equal(r.code, 2, r.stderr)
  assertNamed(r.stderr)
})

test('a CLI command (keys list) says the same', async () => {
  const r = await runCli(['keys', 'list'], { IGTOKEN_DATA_DIR: dataDir })
  assert.equal(r.code, 2, r.stderr)
  assertNamed(r.stderr)
})

test('doctor fails the database check with the folder and the fix', async () => {
  const r = await runCli(['doctor'], { IGTOKEN_DATA_DIR: dataDir })
  assert.equal(r.code, 1, r.stdout)
  assert.match(r.stdout, /FAIL {2}the database is reachable and migrated: /)
  assert.ok(r.stdout.includes(dataDir))
  assert.match(r.stdout, /fix: .*IGTOKEN_DATA_DIR.*(writable|may write)/)
})
