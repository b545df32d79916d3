import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { BIN } from '../cli/cli-process.js'

// Issue #15 item 2: "going live" writes a `.env` step by step; the steps must work as written.

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')

/** The `sh` blocks of the "Going live" section, in order. */
function goingLiveBlocks(): string[] {
  const start = doc.indexOf('## Going live')
  const end = doc.indexOf('\n## ', start + 1)
  const section = doc.slice(start, end === -1 ? undefined : end)
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
}

test('the going-live .env steps, pasted in order, write a 0600 .env the service loads in live mode', () => {
  const blocks = goingLiveBlocks()
  assert.ok(blocks.length >= 4, 'going live has its shell steps')
  // Everything but the final "doctor && start" (that needs Meta); `npx igtoken` is the built binary.
  const steps = blocks.filter((b) => !b.includes('npm start'))
  assert.ok(
    blocks.at(-1)?.includes('npx igtoken doctor && npm start'),
    'ends with doctor, then start',
  )
  const script = steps.join('\n').replaceAll('npx igtoken', `"${process.execPath}" "${BIN}"`)
  const dir = mkdtempSync(join(tmpdir(), 'igtoken-live-'))
  try {
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
      encoding: 'utf8',
    })
    assert.equal(r.status, 0, r.stderr)
    const envFile = join(dir, '.env')
    assert.equal(statSync(envFile).mode & 0o777, 0o600, '.env is readable by its owner only')
    const config = loadConfig({}, { envFile })
    assert.equal(config.demo, false)
    assert.equal(config.publicUrl, 'https://tokens.example.com')
    assert.equal(config.redirectUri, 'https://tokens.example.com/callback')
    assert.ok(config.encryptionKeys !== undefined, 'the encryption key was exported into .env')
    assert.deepEqual(config.trustProxy, ['127.0.0.1'])
    assert.equal(config.metaAppSecret, 'the-meta-app-secret')
    // Checked a second way: the raw line is KEY=kid:base64 of 32 bytes.
    const line = /^IGTOKEN_ENCRYPTION_KEYS=([^:\n]+):([A-Za-z0-9+/=]+)$/m.exec(
      readFileSync(envFile, 'utf8'),
    )
    assert.ok(line !== null)
    assert.equal(Buffer.from(line[2] ?? '', 'base64').length, 32)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
