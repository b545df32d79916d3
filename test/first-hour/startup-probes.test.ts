import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { mintDashboardSignInLink } from '../../src/broker/dashboard-sign-in-link.js'
import { loadConfig } from '../../src/config.js'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { startService } from '../../src/server/service.js'
import type { RunningService } from '../../src/server/service.js'
import { generateKey } from '../../src/store/index.js'
import { freePort } from '../helpers/ports.js'

// Issue #15 item 7: live mode with a wrong app id or an unregistered redirect URI used to start
// without a word. `serve` now runs the doctor's Meta probes in the background at start and shows
// what failed, with the fix, in its log, on /readyz, on the home page and on the dashboard.

const REGISTERED = 'https://tokens.example.com/callback'
let emulator: RunningEmulator
const dir = mkdtempSync(join(tmpdir(), 'igtoken-probes-'))

before(async () => {
  emulator = await startEmulator({
    port: 0,
    apps: [{ ...DEMO_APP, redirectUris: [REGISTERED] }],
  })
})
after(async () => {
  await emulator.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Probed {
  readonly service: RunningService
  readonly logs: string[]
  readonly meta: { status: string; failed: { id: string; detail: string; fix: string }[] }
}

/** A live `serve` against the emulator; resolves once /readyz reports the probes finished. */
async function live(name: string, env: Record<string, string>): Promise<Probed> {
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  const config = loadConfig(
    {
      IGTOKEN_PORT: String(await freePort()),
      IGTOKEN_DATA_DIR: join(dir, name),
      IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
      IGTOKEN_ENCRYPTION_KEYS: generateKey('k1'),
      IGTOKEN_META_EMULATOR_URL: emulator.url,
      IGTOKEN_REDIRECT_URI: REGISTERED,
      IGTOKEN_PUBLIC_URL: 'https://tokens.example.com',
      IGTOKEN_LOG_LEVEL: 'info',
      ...env,
    },
    { envFile: false },
  )
  const service = await startService(config, { logStream })
  // Started before the probes finished: the first answer may still say "pending".
  const deadline = Date.now() + 15_000
  for (;;) {
    const ready = await fetch(`${service.url}/readyz`)
    assert.equal(ready.status, 200, 'readiness never fails on Meta probes (docs/operations.md)')
    const body = (await ready.json()) as { ok: boolean; meta: Probed['meta'] }
    assert.equal(body.ok, true)
    if (body.meta.status !== 'pending') return { service, logs, meta: body.meta }
    if (Date.now() > deadline) throw new Error('the probes never finished')
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function pages(service: RunningService): Promise<{ home: string; dashboard: string }> {
  const home = await (await fetch(`${service.url}/`)).text()
  const link = await mintDashboardSignInLink(service.runtime.ctx)
  const signIn = await fetch(link.url.replace('https://tokens.example.com', service.url), {
    redirect: 'manual',
  })
  const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('igtoken_session='))
  assert.ok(cookie !== undefined)
  const dashboard = await (
    await fetch(`${service.url}/dashboard`, { headers: { cookie: cookie.split(';')[0] ?? '' } })
  ).text()
  return { home, dashboard }
}

test('a wrong app id: /readyz names the failed checks, the log and both pages show the fix', async () => {
  const { service, logs, meta } = await live('wrong-id', { IGTOKEN_APP_ID: '999999999999' })
  try {
    assert.equal(meta.status, 'failed')
    const ids = meta.failed.map((c) => c.id).sort()
    assert.deepEqual(ids, ['app_pair', 'login_dialog'])
    for (const c of meta.failed) assert.ok(c.fix.length > 10, c.id)
    assert.ok(
      logs.some((l) => /Meta probe failed: .*fix: use the Instagram app id/.test(l)),
      logs.join('\n'),
    )
    const { home, dashboard } = await pages(service)
    for (const html of [home, dashboard]) {
      assert.match(html, /Meta refuses this configuration/)
      assert.match(html, /data-check="login_dialog"/)
      assert.match(html, /Fix: use the Instagram app id/)
    }
    for (const text of [...logs, home, dashboard, JSON.stringify(meta)]) {
      assert.ok(!text.includes(DEMO_APP.instagramAppSecret), 'the secret is never shown')
    }
  } finally {
    await service.close()
  }
})

test('an unregistered redirect URI is named, with where to register it', async () => {
  const { service, meta } = await live('unregistered', {
    IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
    IGTOKEN_REDIRECT_URI: 'https://tokens.example.com/igtoken/callback',
  })
  try {
    assert.equal(meta.status, 'failed')
    assert.deepEqual(
      meta.failed.map((c) => c.id),
      ['login_dialog'],
    )
    assert.match(
      meta.failed[0]?.detail ?? '',
      /https:\/\/tokens\.example\.com\/igtoken\/callback is not registered/,
    )
    assert.match(
      meta.failed[0]?.fix ?? '',
      /register exactly https:\/\/tokens\.example\.com\/igtoken\/callback /,
    )
  } finally {
    await service.close()
  }
})

test('a good configuration passes, and no banner is shown', async () => {
  const { service, logs, meta } = await live('good', { IGTOKEN_APP_ID: DEMO_APP.instagramAppId })
  try {
    assert.deepEqual(meta, { status: 'passed', failed: [] })
    assert.ok(!logs.some((l) => l.includes('Meta probe failed')))
    const { home, dashboard } = await pages(service)
    assert.doesNotMatch(home + dashboard, /Meta refuses this configuration/)
  } finally {
    await service.close()
  }
})
