import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import {
  generateKey,
  getToken,
  migrateToLatest,
  openStore,
  openToken,
  parseKeyring,
  saveToken,
  upsertAccount,
} from '../../src/store/index.js'
import type { Store } from '../../src/store/index.js'
import { waitFor } from '../helpers/wait-for.js'
import { BUSINESS_USER, DAY } from './rig.js'

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname
const N = 6

let emulator: RunningEmulator
let store: Store
let dir: string
let env: Record<string, string>
const children: ChildProcess[] = []

function startWorker(): {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
} {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker'], {
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return { child, output: () => output, exited }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'igtoken-crash-'))
  emulator = await startEmulator({ port: 0, apps: [DEMO_APP] })
  const keys = generateKey('k1')
  env = {
    IGTOKEN_DATABASE_URL: `sqlite:${join(dir, 'igtoken.db')}`,
    IGTOKEN_DATA_DIR: dir,
    IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
    IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
    IGTOKEN_ENCRYPTION_KEYS: keys,
    IGTOKEN_META_EMULATOR_URL: emulator.url,
    IGTOKEN_REFRESH_LEASE_SECONDS: '3',
    IGTOKEN_REFRESH_POLL_SECONDS: '1',
    IGTOKEN_REFRESH_CONCURRENCY: '10',
  }
  store = await openStore(env['IGTOKEN_DATABASE_URL'] ?? '')
  await migrateToLatest(store)
  const keyring = parseKeyring(keys)
  // Tokens issued two days ago on Meta's clock, due now on ours.
  const now = Date.now()
  await emulator.control.setClock(now - 2 * DAY)
  for (let i = 0; i < N; i++) {
    const minted = await emulator.control.mintToken({
      appId: DEMO_APP.instagramAppId,
      userId: BUSINESS_USER,
      kind: 'long',
    })
    const { id } = await upsertAccount(store, {
      flavor: 'instagram-login',
      metaUserId: `8${String(i).padStart(15, '0')}`,
      igUserId: BUSINESS_USER,
      username: `crash_${i}`,
      scopes: ['instagram_business_basic'],
      now,
    })
    await saveToken(store, keyring, {
      accountId: id,
      kind: 'instagram_long_lived',
      accessToken: minted.access_token,
      issuedAt: now - 2 * DAY,
      expiresAt: minted.expires_at * 1000,
      nextRefreshAt: now,
      expectedVersion: 'any',
      now,
    })
  }
  await emulator.control.setClock(Date.now())
})

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await store.close()
  await emulator.close()
  rmSync(dir, { recursive: true, force: true })
})

test('a worker killed with every refresh call in flight writes nothing; the next worker refreshes each token exactly once', async () => {
  const seq = (await emulator.control.requests()).at(-1)?.seq ?? 0
  // Meta holds every refresh call: the first worker is stuck between claiming and writing.
  await emulator.control.setFaults({
    rules: [{ match: { endpoint: 'ig.refresh_access_token' }, timeoutRate: 1, holdMaxMs: 120_000 }],
  })
  const first = startWorker()
  await waitFor('the first worker to lease every token', async () => {
    const leased = await store.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('lease_owner', 'like', 'worker:%')
      .executeTakeFirst()
    return leased?.n === N
  })
  // Leased is not yet called: kill it only once Meta holds every one of its calls.
  await waitFor(
    'every refresh call to be in flight at Meta',
    async () =>
      (await emulator.control.requestsInFlight({ endpoint: 'ig.refresh_access_token' })).length ===
      N,
  )
  first.child.kill('SIGKILL')
  assert.equal(await first.exited, null)
  const held = await store.db.selectFrom('tokens').selectAll().execute()
  assert.ok(
    held.every((t) => t.version === 1 && t.lease_owner !== null),
    'nothing was written',
  )

  await emulator.control.clearFaults()
  const second = startWorker()
  await waitFor(
    'the second worker to refresh every token',
    async () => {
      const rows = await store.db.selectFrom('tokens').select('version').execute()
      return rows.every((r) => r.version === 2)
    },
    30_000,
  )
  second.child.kill('SIGTERM')
  assert.equal(await second.exited, 0, second.output())

  const calls = await emulator.control.requests({
    endpoint: 'ig.refresh_access_token',
    sinceSeq: seq,
  })
  const answered = calls.filter((c) => c.status === 200)
  assert.equal(answered.length, N, 'one successful refresh per token')
  assert.equal(new Set(answered.map((c) => c.tokenFingerprint)).size, N, 'no token refreshed twice')
  const keyring = parseKeyring(env['IGTOKEN_ENCRYPTION_KEYS'] ?? '')
  const rows = await store.db.selectFrom('tokens').select(['account_id']).execute()
  for (const { account_id } of rows) {
    const row = await getToken(store, account_id, 'instagram_long_lived')
    assert.ok(row)
    assert.equal(row.lease_owner, null)
    const token = openToken(keyring, row).plaintext
    const me = await fetch(
      `${emulator.url}/graph.instagram.com/me?fields=user_id&access_token=${encodeURIComponent(token)}`,
    )
    assert.equal(me.status, 200, 'the stored token works')
  }
})
