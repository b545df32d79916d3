import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../cli/cli-process.js'

// Issue #15 item 3: on a first install `npx igtoken doctor && npx igtoken serve` must reach serve.

test('doctor in an empty folder with the demo configuration exits 0 and notes the database to come', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-first-'))
  try {
    // No variable at all: demo mode, data in ./data of the working folder, as after a clone.
    const r = await runCli(['doctor'], {}, '', { cwd: dir })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /note {2}the database is reachable and migrated: .*does not exist yet/)
    assert.match(r.stdout, /npx igtoken serve creates and migrates it/)
    assert.match(r.stdout, /ready: no check failed/)
    assert.doesNotMatch(r.stdout, /FAIL/)
    // The doctor changes nothing: still no data folder (checked on the disk, not in its output).
    assert.equal(existsSync(join(dir, 'data')), false)

    const json = await runCli(['doctor', '--json'], {}, '', { cwd: dir })
    const doc = JSON.parse(json.stdout) as { ok: boolean; checks: { id: string; status: string }[] }
    assert.equal(doc.ok, true)
    assert.deepEqual(
      doc.checks.filter((c) => c.id === 'database' || c.id === 'keys').map((c) => c.status),
      ['note', 'note'],
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
