// A demo restart keeps the embedded emulator's users and tokens in the data folder beside the
// accounts: after stop and start on the same folder, the token the API serves is still accepted
// by Meta (the emulator) and a feed that must ask Meta again answers 200. The saved file is
// sealed: the token is not in it in clear.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, test } from 'node:test'
import { demoEmulatorStateFile } from '../../src/app/demo-emulator-state.js'
import { loadConfig } from '../../src/config.js'
import { startService } from '../../src/server/service.js'
import type { RunningService } from '../../src/server/service.js'
import { createApiKey } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import { freePort, retryOnPortClash } from '../helpers/ports.js'
import { connectThroughBrowserless } from '../helpers/service.js'

const DAY = 86_400_000
const dataDir = mkdtempSync(join(tmpdir(), 'igtoken-demo-restart-'))
after(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

const logs: string[] = []

function start(): Promise<RunningService> {
  return retryOnPortClash(async () =>
    startService(
      loadConfig(
        {
          IGTOKEN_PORT: String(await freePort()),
          IGTOKEN_EMULATOR_PORT: String(await freePort()),
          IGTOKEN_DATA_DIR: dataDir,
          IGTOKEN_FEED_REFRESH_SECONDS: '1',
          IGTOKEN_LOG_LEVEL: 'warn',
        },
        { envFile: false },
      ),
      {
        logStream: new Writable({
          write(chunk: Buffer, _encoding, callback) {
            logs.push(chunk.toString('utf8'))
            callback()
          },
        }),
      },
    ),
  )
}

async function me(emulatorUrl: string, token: string): Promise<number> {
  const res = await fetch(
    `${emulatorUrl}/graph.instagram.com/v25.0/me?fields=id&access_token=${encodeURIComponent(token)}`,
  )
  return res.status
}

test('stop and start the demo on the same data folder: tokens still work, feeds answer 200', async () => {
  let svc = await start()
  let token: string
  let feedId: string
  let key: string
  let clockBefore: number
  try {
    key = (await createApiKey(svc.store, { name: 'restart', now: Date.now() })).key
    const res = await connectThroughBrowserless(svc.url, (u) => answerConsent(u, 'allow'))
    assert.equal(res.response.status, 200)
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const list = (await (await fetch(`${svc.url}/api/v1/accounts`, { headers: auth })).json()) as {
      data: { id: string }[]
    }
    const accountId = list.data[0]?.id ?? ''
    token = (
      (await (
        await fetch(`${svc.url}/api/v1/accounts/${accountId}/token`, { headers: auth })
      ).json()) as { access_token: string }
    ).access_token
    const feed = await fetch(`${svc.url}/api/v1/feeds`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ account_id: accountId, limit: 2 }),
    })
    assert.equal(feed.status, 201)
    feedId = ((await feed.json()) as { id: string }).id
    assert.equal((await fetch(`${svc.url}/feeds/${feedId}.json`)).status, 200)
    // The clock offset is part of the state: a demo that travelled stays where it was.
    const advanced = await fetch(`${svc.emulatorUrl ?? ''}/_emulator/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: 3 * DAY }),
    })
    assert.equal(advanced.status, 200)
    clockBefore = svc.runtime.ctx.now()
    assert.ok(clockBefore - Date.now() > 2 * DAY, 'the demo clock travelled')
  } finally {
    await svc.close()
  }

  const file = demoEmulatorStateFile(dataDir)
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const raw = readFileSync(file, 'utf8')
  assert.ok(!raw.includes(token), 'the saved state holds no token in clear')
  assert.ok(!raw.includes('emu_business'), 'nor any other emulator data')

  svc = await start()
  try {
    const emulatorUrl = svc.emulatorUrl ?? ''
    assert.equal(await me(emulatorUrl, token), 200, 'Meta still accepts the stored token')
    const auth = { authorization: `Bearer ${key}` }
    const list = (await (await fetch(`${svc.url}/api/v1/accounts`, { headers: auth })).json()) as {
      data: { id: string; status: string }[]
    }
    const [account] = list.data
    assert.ok(account)
    assert.equal(account.status, 'active')
    const served = (await (
      await fetch(`${svc.url}/api/v1/accounts/${account.id}/token`, { headers: auth })
    ).json()) as { access_token: string }
    assert.equal(await me(emulatorUrl, served.access_token), 200)
    assert.ok(Math.abs(svc.runtime.ctx.now() - clockBefore) < 60_000, 'the clock kept its offset')
    // Past the feed's interval the feed must ask Meta again, with the stored token.
    await new Promise((r) => setTimeout(r, 1100))
    const feed = await fetch(`${svc.url}/feeds/${feedId}.json`)
    assert.equal(feed.status, 200)
    assert.equal(feed.headers.get('igtoken-feed-stale'), null)
    // The request log starts empty at each start: this call is the restarted process's.
    const asked = await fetch(`${emulatorUrl}/_emulator/requests?endpoint=ig.me_media`)
    const requests = ((await asked.json()) as { requests: { status: number }[] }).requests
    assert.ok(requests.length > 0, 'the feed was fetched from Meta after the restart')
    assert.ok(requests.every((r) => r.status === 200))
  } finally {
    await svc.close()
  }
})

test('a saved state that cannot be read is moved aside and the demo starts afresh', async () => {
  const file = demoEmulatorStateFile(dataDir)
  writeFileSync(file, '{"format":"igtoken-demo-emulator-state","keyId":"demo","ciphertext":"v1.x"}')
  const svc = await start()
  try {
    assert.ok(existsSync(`${file}.unreadable`))
    assert.ok(logs.some((line) => line.includes('could not be restored; started afresh')))
    const users = await fetch(`${svc.emulatorUrl ?? ''}/_emulator/users`)
    assert.equal(users.status, 200)
  } finally {
    await svc.close()
  }
})
