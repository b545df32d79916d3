// Three `igtoken serve` processes (the built binary) on one PostgreSQL database and one emulator:
// due tokens are refreshed exactly once between them, a SIGKILLed instance's claims are finished
// by the others once its leases run out, and a browser sign-in started on one instance completes
// on another. Needs `npm run build` first (npm test builds before testing).
//
// All of it runs beside a CPU-burning child process, so the instances are starved of CPU the way a
// busy host starves them: leases must hold (heartbeats) while a call to Meta is slow to return.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { fingerprint } from '../../src/emulator/state.js'
import { generateKey, migrateToLatest, openStore, parseKeyring } from '../../src/store/index.js'
import type { Keyring, Store } from '../../src/store/index.js'
import { launchBrowser } from '../helpers/browser.js'
import { freePort } from '../helpers/ports.js'
import { createPostgresDatabase, forceDropPostgresDatabase } from '../helpers/postgres.js'
import type { PostgresTestDatabase } from '../helpers/postgres.js'
import { seedDueAccounts, startInstance, waitFor } from './cluster.js'
import type { Instance } from './cluster.js'

const ACCOUNTS = 5000
const LEASE_SECONDS = 4
const CONCURRENCY = 10

let database: PostgresTestDatabase
let emulator: RunningEmulator
let store: Store
let keyring: Keyring
let instances: Instance[] = []
let burner: ChildProcess | undefined

/** A busy loop in its own process that stops by itself after `ms` (and is killed in `after`). */
function startBurner(ms: number): ChildProcess {
  return spawn(
    process.execPath,
    ['-e', `const end = Date.now() + ${String(ms)}; while (Date.now() < end) {}`],
    { stdio: 'ignore' },
  )
}

async function versions(): Promise<Map<number, number>> {
  const rows = await store.db
    .selectFrom('tokens')
    .select(['version', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('version')
    .execute()
  return new Map(rows.map((r) => [r.version, r.n]))
}

/** Successful refresh calls Meta (the emulator) answered since `sinceSeq`, per token fingerprint. */
async function refreshCalls(sinceSeq: number): Promise<Map<string, number>> {
  const calls = await emulator.control.requests({ endpoint: 'ig.refresh_access_token', sinceSeq })
  const counts = new Map<string, number>()
  for (const call of calls) {
    if (call.status !== 200 || call.tokenFingerprint === undefined) continue
    counts.set(call.tokenFingerprint, (counts.get(call.tokenFingerprint) ?? 0) + 1)
  }
  return counts
}

async function lastSeq(): Promise<number> {
  return (await emulator.control.requests()).at(-1)?.seq ?? 0
}

async function refreshedBy(instance: Instance): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text()
  const line = text
    .split('\n')
    .find((l) => l.startsWith('igtoken_refreshes_total{') && /outcome="refreshed"/.test(l))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

before(async () => {
  burner = startBurner(900_000)
  database = await createPostgresDatabase()
  store = await openStore(database.url, { poolSize: 4 })
  await migrateToLatest(store)
  const ports = [await freePort(), await freePort(), await freePort()]
  // One public host name, as behind a load balancer: Meta sends every sign-in back to instance b.
  const redirectUri = `http://127.0.0.1:${String(ports[1])}/callback`
  emulator = await startEmulator({
    port: 0,
    apps: [{ ...DEMO_APP, redirectUris: [redirectUri] }],
    config: { requestLogLimit: 100_000 },
  })
  const keys = generateKey('k1')
  keyring = parseKeyring(keys)
  const env = {
    IGTOKEN_DATABASE_URL: database.url,
    IGTOKEN_DATABASE_POOL_SIZE: '5',
    IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
    IGTOKEN_APP_SECRET: DEMO_APP.instagramAppSecret,
    IGTOKEN_ENCRYPTION_KEYS: keys,
    IGTOKEN_META_EMULATOR_URL: emulator.url,
    IGTOKEN_REDIRECT_URI: redirectUri,
    IGTOKEN_REFRESH_LEASE_SECONDS: String(LEASE_SECONDS),
    IGTOKEN_REFRESH_POLL_SECONDS: '1',
    IGTOKEN_REFRESH_CONCURRENCY: String(CONCURRENCY),
    IGTOKEN_REFRESH_BATCH_SIZE: '40',
    IGTOKEN_LOG_LEVEL: 'warn',
  }
  instances = await Promise.all(
    ['a', 'b', 'c'].map((name, i) =>
      startInstance(name, ports[i] ?? 0, {
        ...env,
        IGTOKEN_PUBLIC_URL: `http://127.0.0.1:${String(ports[i])}`,
      }),
    ),
  )
})

after(async () => {
  if (burner !== undefined && burner.exitCode === null && burner.signalCode === null) {
    const exited = new Promise((resolve) => burner?.once('exit', resolve))
    burner.kill('SIGKILL')
    await exited
  }
  for (const instance of instances) {
    if (instance.child.exitCode === null && instance.child.signalCode === null) {
      instance.child.kill('SIGKILL')
    }
    await instance.exited
  }
  await store.close()
  await emulator.close()
  // A SIGKILLed instance's connections may still be open on the server's side.
  await forceDropPostgresDatabase(database.name)
})

describe('several igtoken serve instances on one PostgreSQL', { timeout: 900_000 }, () => {
  test(`${String(ACCOUNTS)} due tokens: each refreshed exactly once, the work spread over three instances`, async () => {
    const seq = await lastSeq()
    const tokens = await seedDueAccounts(store, keyring, emulator.control, ACCOUNTS, '71')
    await waitFor(
      'every token to be refreshed',
      async () => (await versions()).get(1) === undefined,
      400_000,
    )
    assert.deepEqual(await versions(), new Map([[2, ACCOUNTS]]), 'one stored refresh per token')

    const calls = await refreshCalls(seq)
    const expected = new Set([...tokens.values()].map(fingerprint))
    assert.equal(calls.size, ACCOUNTS, 'Meta saw a refresh of every token')
    for (const [print, count] of calls) {
      assert.ok(expected.has(print), 'only seeded tokens were refreshed')
      if (count !== 1) {
        // Say when Meta saw the calls and what the account's log holds, to tell a lapsed lease
        // (another instance) from a lost answer (a timeout) at a glance.
        const all = await emulator.control.requests({
          endpoint: 'ig.refresh_access_token',
          sinceSeq: seq,
        })
        const at = all.filter((c) => c.tokenFingerprint === print).map((c) => c.time)
        const accountId = [...tokens].find(([, t]) => fingerprint(t) === print)?.[0] ?? ''
        const events = await store.db
          .selectFrom('events')
          .select(['type', 'detail', 'created_at'])
          .where('account_id', '=', accountId)
          .execute()
        assert.fail(
          `token ${print} was refreshed ${String(count)} times, at ${at.join(', ')}; events ${JSON.stringify(events)}`,
        )
      }
    }
    const leased = await store.db
      .selectFrom('tokens')
      .select('id')
      .where('lease_owner', 'is not', null)
      .execute()
    assert.equal(leased.length, 0, 'no lease is left behind')
    const next = await store.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.min('next_refresh_at').as('soonest'))
      .executeTakeFirstOrThrow()
    assert.ok((next.soonest ?? 0) > Date.now() + 10 * 86_400_000, 'next refresh is days away')

    const perInstance = await Promise.all(instances.map(refreshedBy))
    assert.equal(
      perInstance.reduce((a, b) => a + b, 0),
      ACCOUNTS,
    )
    assert.ok(
      perInstance.every((n) => n > 0),
      `every instance took part: ${perInstance.join(', ')}`,
    )
  })

  test('an instance killed with SIGKILL mid-run: the other two finish its claims after the leases run out', async () => {
    const victim = instances[2]
    assert.ok(victim)
    const seq = await lastSeq()
    const count = 1500
    // Meta answers slowly, so the run lasts long enough to be interrupted with claims held.
    await emulator.control.setFaults({
      rules: [{ match: { endpoint: 'ig.refresh_access_token' }, latencyMs: 40 }],
    })
    const tokens = await seedDueAccounts(store, keyring, emulator.control, count, '72')
    const owner = `serve:%:${String(victim.pid)}:%`
    await waitFor(
      'the victim to hold claims while others are already done',
      async () => {
        const held = await store.db
          .selectFrom('tokens')
          .select('id')
          .where('lease_owner', 'like', owner)
          .limit(1)
          .execute()
        return held.length > 0 && ((await versions()).get(1) ?? 0) <= count - 100
      },
      60_000,
    )
    victim.child.kill('SIGKILL')
    assert.equal(await victim.exited, null)
    const orphaned = await store.db
      .selectFrom('tokens')
      .select(['id', 'account_id', 'lease_until', 'version'])
      .where('lease_owner', 'like', owner)
      .execute()
    assert.ok(orphaned.length > 0, 'the victim died holding claims')
    // The engine claims a new batch when fewer than `concurrency` rows are queued, so it holds at
    // most a batch, the queue's remainder (concurrency - 1) and the rows its lanes work on.
    // One claim statement gives all its rows one lease_until: the largest groups tell one
    // oversized claim from many claims.
    const perClaim = new Map<number, number>()
    for (const { lease_until: until } of orphaned) {
      perClaim.set(until ?? 0, (perClaim.get(until ?? 0) ?? 0) + 1)
    }
    const largest = [...perClaim.values()].sort((x, y) => y - x).slice(0, 5)
    assert.ok(
      orphaned.length <= 40 + 2 * CONCURRENCY - 1,
      `at most one batch, a short queue and the lanes: ${String(orphaned.length)} (largest claims ${largest.join(', ')})`,
    )
    await emulator.control.clearFaults()

    await waitFor(
      'the survivors to refresh every token',
      async () => (await versions()).get(1) === undefined,
      300_000,
    )
    const rows = await store.db
      .selectFrom('tokens')
      .select(['id', 'version', 'refreshed_at', 'lease_owner'])
      .where(
        'id',
        'in',
        orphaned.map((o) => o.id),
      )
      .execute()
    for (const row of rows) {
      const before = orphaned.find((o) => o.id === row.id)
      assert.equal(row.version, 2, 'refreshed once')
      assert.equal(row.lease_owner, null)
      assert.ok(
        (row.refreshed_at ?? 0) >= (before?.lease_until ?? Infinity),
        'taken over only after the lease ran out',
      )
    }

    // Meta saw every token refreshed; twice only for a call the victim had in flight when it died
    // (Meta answered, the victim never stored the result, so the old token was refreshed again).
    const calls = await refreshCalls(seq)
    const inFlight = new Set(orphaned.map((o) => fingerprint(tokens.get(o.account_id) ?? '')))
    assert.equal(calls.size, count, 'Meta saw a refresh of every token')
    const twice = [...calls].filter(([, n]) => n > 1)
    for (const [print, n] of twice) {
      assert.equal(n, 2)
      assert.ok(inFlight.has(print), 'only a token the victim held is refreshed twice')
    }
    assert.ok(twice.length <= CONCURRENCY, 'no more doubles than the victim had lanes')
  })

  test('a browser sign-in started on instance a completes on instance b', async () => {
    const [a, b] = instances
    assert.ok(a && b)
    const browser = await launchBrowser()
    try {
      const page = await browser.context.newPage()
      await page.goto(`${a.url}/connect`)
      await page.waitForURL(/\/www\.instagram\.com\/oauth\/authorize/)
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL(new RegExp(`^${b.url}/callback`))
      await page.getByRole('heading', { name: 'Account connected' }).waitFor()
    } finally {
      await browser.close()
    }
    const connected = await store.db
      .selectFrom('accounts')
      .select(['id', 'status'])
      .where('username', 'not like', 'scale_%')
      .execute()
    assert.equal(connected.length, 1)
    assert.equal(connected[0]?.status, 'active')
    const attempts = await store.db.selectFrom('connect_attempts').selectAll().execute()
    assert.equal(attempts.length, 1, 'one attempt, made by a and used up by b')
  })
})
