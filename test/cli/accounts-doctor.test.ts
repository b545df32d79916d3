import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { generateKey, openStore } from '../../src/store/index.js'
import { answerConsent } from '../helpers/consent.js'
import { authorizationUrlOf, freeCallback, runCli, startCli, startWorld } from './cli-process.js'
import type { CliWorld } from './cli-process.js'

const PUBLIC_URL = 'https://igtoken.example.com'
let world: CliWorld
let callback: string
let env: Record<string, string>
const oldKey = generateKey('old')
const newKey = generateKey('new')
let accountId = ''

before(async () => {
  callback = await freeCallback()
  world = await startWorld([callback, `${PUBLIC_URL}/callback`])
  env = {
    ...world.env,
    IGTOKEN_APP_ID: DEMO_APP.instagramAppId,
    IGTOKEN_ENCRYPTION_KEYS: oldKey,
    IGTOKEN_PUBLIC_URL: PUBLIC_URL,
  }
})
after(async () => {
  await world.close()
})

async function saveLogin(): Promise<Record<string, unknown>> {
  const cli = startCli(
    ['login', '--redirect-uri', callback, '--paste', '--save', '--label', 'shop', '--json'],
    env,
  )
  const location = await answerConsent(await authorizationUrlOf(cli), 'allow')
  cli.write(`${location}\n`)
  cli.endInput()
  const r = await cli.exited
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

async function ageStoredTokens(ms: number): Promise<void> {
  const store = await openStore(`sqlite:${join(world.dir, 'data', 'igtoken.db')}`)
  try {
    const rows = await store.db.selectFrom('tokens').select(['id', 'issued_at']).execute()
    for (const row of rows) {
      await store.db
        .updateTable('tokens')
        .set({ issued_at: row.issued_at - ms })
        .where('id', '=', row.id)
        .execute()
    }
  } finally {
    await store.close()
  }
}

describe('doctor before anything exists', () => {
  test('a missing database is a note (serve creates it), not a failure', async () => {
    const r = await runCli(['doctor', '--json'], env)
    const doc = JSON.parse(r.stdout) as {
      ok: boolean
      checks: { id: string; status: string; detail: string }[]
    }
    const db = doc.checks.find((c) => c.id === 'database')
    assert.ok(db !== undefined)
    assert.equal(db.status, 'note')
    assert.match(db.detail, /igtoken serve creates/)
    assert.equal(r.code, doc.ok ? 0 : 1)
  })
})

describe('login --save, then the operator commands over the same database', () => {
  test('login --save stores the account; the JSON names it and leaves the token out', async () => {
    const doc = await saveLogin()
    assert.equal(doc['access_token'], undefined)
    assert.equal(doc['account_created'], true)
    accountId = String(doc['account_id'])
    assert.match(accountId, /^acc_/)
  })

  test('accounts list and show, never with a token', async () => {
    const list = await runCli(['accounts', 'list', '--json'], env)
    assert.equal(list.code, 0, list.stderr)
    const rows = JSON.parse(list.stdout) as Record<string, unknown>[]
    assert.equal(rows.length, 1)
    const row = rows[0]
    assert.ok(row !== undefined)
    assert.equal(row['username'], 'emu_business')
    assert.equal(row['label'], 'shop')
    assert.equal(row['status'], 'active')
    assert.doesNotMatch(list.stdout, /IGAA/)

    const human = await runCli(['accounts', 'list'], env)
    assert.match(
      human.stdout,
      new RegExp(`${accountId}  @emu_business  instagram-login  active  expires in 5\\d days`),
    )

    const show = await runCli(['accounts', 'show', accountId], env)
    assert.equal(show.code, 0)
    assert.match(show.stdout, /username: +@emu_business/)
    assert.doesNotMatch(show.stdout, /IGAA/)

    const missing = await runCli(['accounts', 'show', 'acc_nope', '--json'], env)
    assert.equal(missing.code, 1)
    assert.equal(
      (JSON.parse(missing.stdout) as { error: { code: string } }).error.code,
      'not_found',
    )
  })

  test('a bad --status is a usage error', async () => {
    const r = await runCli(['accounts', 'list', '--status', 'alive'], env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--status must be one of active/)
  })

  test('accounts refresh: too young fails, a day-old token is refreshed through the TokenService', async () => {
    const young = await runCli(['accounts', 'refresh', accountId, '--json'], env)
    assert.equal(young.code, 1)
    const first = JSON.parse(young.stdout) as { failed: number; results: { code: string }[] }
    assert.equal(first.failed, 1)
    assert.equal(first.results[0]?.code, 'invalid_request')

    await ageStoredTokens(25 * 3_600_000)
    await world.emulator.control.advanceClock(25 * 3_600_000)
    const before = (await world.emulator.control.requests({ endpoint: 'ig.refresh_access_token' }))
      .length
    const r = await runCli(['accounts', 'refresh', '--all', '--json'], env)
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as { refreshed: number; failed: number; stopped: boolean }
    assert.deepEqual(
      { refreshed: doc.refreshed, failed: doc.failed, stopped: doc.stopped },
      { refreshed: 1, failed: 0, stopped: false },
    )
    const after = (await world.emulator.control.requests({ endpoint: 'ig.refresh_access_token' }))
      .length
    assert.equal(after, before + 1)
    assert.doesNotMatch(r.stdout + r.stderr, /IGAA/)
  })

  test('accounts refresh with neither ids nor --all is a usage error', async () => {
    const r = await runCli(['accounts', 'refresh'], env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--all/)
  })

  test('keys create, list (never the key) and revoke', async () => {
    const created = await runCli(['keys', 'create', '--name', 'website', '--json'], env)
    assert.equal(created.code, 0, created.stderr)
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string }
    assert.match(key, /^igt_/)
    const list = await runCli(['keys', 'list', '--json'], env)
    assert.ok(!list.stdout.includes(key))
    assert.equal((JSON.parse(list.stdout) as { id: string }[])[0]?.id, id)
    assert.equal((await runCli(['keys', 'revoke', id], env)).code, 0)
    const again = await runCli(['keys', 'revoke', id], env)
    assert.equal(again.code, 1)
    assert.match(again.stdout, /no active API key/)
  })

  test('keys create --scope: the scopes are stored and listed; an unknown scope is a usage error', async () => {
    const created = await runCli(
      [
        'keys',
        'create',
        '--name',
        'site',
        '--scope',
        'graph:read',
        '--scope',
        'tokens:read,graph:write',
        '--json',
      ],
      env,
    )
    assert.equal(created.code, 0, created.stderr)
    const { id, scopes } = JSON.parse(created.stdout) as { id: string; scopes: string[] }
    assert.deepEqual(scopes, ['tokens:read', 'graph:read', 'graph:write'])
    const list = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as {
      id: string
      scopes: string[]
    }[]
    assert.deepEqual(list.find((k) => k.id === id)?.scopes, scopes)
    const before = list.length
    const bad = await runCli(['keys', 'create', '--name', 'x', '--scope', 'tokens:write'], env)
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /tokens:write/)
    const after = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as unknown[]
    assert.equal(after.length, before, 'no key was created')
  })

  test('doctor passes a good live configuration', async () => {
    const r = await runCli(['doctor'], env)
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const title of [
      'redirect URI and public URL agree',
      'IGTOKEN_PUBLIC_URL uses HTTPS',
      'Meta answers',
      'app id and secret are accepted by Meta',
      'the clock is right',
      "Meta's login dialog accepts the app id and redirect URI",
      'the database is reachable and migrated',
      'the encryption keys open every stored token',
    ]) {
      assert.match(r.stdout, new RegExp(`^pass  ${title}`, 'm'), title)
    }
    assert.match(r.stdout, /ready: no check failed/)
  })

  test('rotate-keys moves every token to the new key; the old key alone then fails the doctor', async () => {
    const rotated = await runCli(['rotate-keys', '--json'], {
      ...env,
      IGTOKEN_ENCRYPTION_KEYS: `${newKey},${oldKey}`,
    })
    assert.equal(rotated.code, 0, rotated.stderr)
    const result = JSON.parse(rotated.stdout) as {
      resealed: number
      total: number
      aborted: boolean
    }
    assert.equal(result.resealed, 1)
    assert.equal(result.total, 1)
    assert.equal(result.aborted, false)

    const r = await runCli(['doctor', '--json'], env)
    assert.equal(r.code, 1)
    const keys = (
      JSON.parse(r.stdout) as {
        checks: { id: string; status: string; detail: string; fix: string }[]
      }
    ).checks.find((c) => c.id === 'keys')
    assert.ok(keys !== undefined)
    assert.equal(keys.status, 'fail')
    assert.match(keys.detail, /key id\(s\) new/)
    assert.match(keys.fix, /add those keys back/)
    assert.ok(!r.stdout.includes(newKey.split(':')[1] ?? 'x'), 'no key material printed')
  })

  test('doctor fails a broken configuration, with a fix for each failure', async () => {
    const r = await runCli(['doctor', '--json'], {
      ...env,
      IGTOKEN_ENCRYPTION_KEYS: `${newKey},${oldKey}`,
      IGTOKEN_APP_ID: DEMO_APP.metaAppId,
      IGTOKEN_APP_SECRET: DEMO_APP.metaAppSecret,
      IGTOKEN_META_APP_SECRET: DEMO_APP.metaAppSecret,
      IGTOKEN_PUBLIC_URL: 'http://igtoken.example.com',
      IGTOKEN_REDIRECT_URI: 'https://other.example.com/callback',
    })
    assert.equal(r.code, 1)
    const doc = JSON.parse(r.stdout) as {
      ok: boolean
      checks: { id: string; status: string; fix: string | null }[]
    }
    const failed = doc.checks
      .filter((c) => c.status === 'fail')
      .map((c) => c.id)
      .sort()
    assert.deepEqual(failed, [
      'app_ids',
      'app_pair',
      'https_public_url',
      'login_dialog',
      'redirect_uri_matches',
    ])
    for (const c of doc.checks.filter((x) => x.status === 'fail'))
      assert.ok((c.fix ?? '').length > 10, c.id)
    assert.ok(!r.stdout.includes(DEMO_APP.metaAppSecret), 'the secret is never printed')
  })

  test('accounts delete asks scripts for --yes, then deletes', async () => {
    const refused = await runCli(['accounts', 'delete', accountId], env)
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /--yes/)
    assert.equal((await runCli(['accounts', 'show', accountId], env)).code, 0, 'still there')
    const r = await runCli(['accounts', 'delete', accountId, '--yes', '--json'], env)
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), { id: accountId, deleted: true })
    assert.equal((await runCli(['accounts', 'list'], env)).stdout, 'no accounts\n')
  })
})
