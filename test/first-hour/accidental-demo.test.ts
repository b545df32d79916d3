import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { runCli } from '../cli/cli-process.js'
import { startServeProcess } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
import { generateKey } from '../../src/store/index.js'

// A live setup that lost IGTOKEN_APP_ID must not fall into demo mode, where Meta's callbacks
// would be checked with the public demo secrets.
const dir = mkdtempSync(join(tmpdir(), 'igtoken-demo-guard-'))
after(() => {
  rmSync(dir, { recursive: true, force: true })
})

test('serve with real keys but no app id refuses to start, naming the variables and the fix', async () => {
  const key = generateKey('live')
  const r = await runCli(['serve'], {
    IGTOKEN_DATA_DIR: join(dir, 'refused'),
    IGTOKEN_PORT: String(await freePort()),
    IGTOKEN_EMULATOR_PORT: String(await freePort()),
    IGTOKEN_ENCRYPTION_KEYS: key,
    IGTOKEN_PUBLIC_URL: 'https://tokens.example.com',
  })
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /IGTOKEN_APP_ID/)
  assert.match(r.stderr, /demo mode/)
  assert.match(r.stderr, /IGTOKEN_ENCRYPTION_KEYS, IGTOKEN_PUBLIC_URL \(https\)/)
  assert.match(r.stderr, /IGTOKEN_DEMO=true/)
  assert.ok(!r.stderr.includes(key.split(':')[1] ?? key), 'the key is never echoed')
  assert.doesNotMatch(r.stderr, /\n\s+at /)
})

test('the same with IGTOKEN_DEMO=true starts the demo on purpose', async () => {
  const port = await freePort()
  const served = await startServeProcess(
    {
      IGTOKEN_DATA_DIR: join(dir, 'meant'),
      IGTOKEN_PORT: String(port),
      IGTOKEN_EMULATOR_PORT: String(await freePort()),
      IGTOKEN_ENCRYPTION_KEYS: generateKey('live'),
      IGTOKEN_DEMO: 'true',
    },
    `http://127.0.0.1:${String(port)}`,
  )
  try {
    const health = await fetch(`http://127.0.0.1:${String(port)}/healthz`)
    assert.equal(health.status, 200)
  } finally {
    await served.stop()
  }
})
