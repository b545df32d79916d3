import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { runCli, startWorld } from './cli-process.js'
import type { CliWorld } from './cli-process.js'

const BUSINESS = '17841405793187218'
let world: CliWorld
let env: Record<string, string>

before(async () => {
  world = await startWorld(['https://localhost:8443/callback'])
  // inspect and refresh need no app credentials for Instagram tokens.
  env = {
    IGTOKEN_META_EMULATOR_URL: world.env['IGTOKEN_META_EMULATOR_URL'] ?? '',
    IGTOKEN_CONFIG_DIR: world.env['IGTOKEN_CONFIG_DIR'] ?? '',
  }
})
after(async () => {
  await world.close()
})

async function mint(): Promise<string> {
  const minted = await world.emulator.control.mintToken({
    appId: DEMO_APP.instagramAppId,
    userId: BUSINESS,
    kind: 'long',
  })
  return minted.access_token
}

async function refreshCalls(): Promise<number> {
  return (await world.emulator.control.requests({ endpoint: 'ig.refresh_access_token' })).length
}

describe('igtoken inspect', () => {
  test('no token anywhere is a usage error', async () => {
    const r = await runCli(['inspect'], env, '')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no token on stdin/)
  })

  test('a token that is not one line is refused without echoing it', async () => {
    const r = await runCli(['inspect'], env, 'IGAAsecretpart1 IGAAsecretpart2\n')
    assert.equal(r.code, 2)
    assert.ok(!r.stderr.includes('IGAAsecretpart1'))
  })

  test('a dead token is reported invalid with exit 1', async () => {
    const token = await mint()
    await world.emulator.control.changePassword({ userId: BUSINESS })
    const r = await runCli(['inspect', '--json'], { ...env, IGTOKEN_TOKEN: token })
    assert.equal(r.code, 1)
    const report = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(report['valid'], false)
    assert.equal(typeof report['error'], 'string')
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token))
  })

  test('a valid token from the environment: owner, and refresh unknown without times', async () => {
    const token = await mint()
    const r = await runCli(['inspect', '--json'], { ...env, IGTOKEN_TOKEN: token })
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as Record<string, unknown>
    assert.deepEqual(Object.keys(report).sort(), [
      'account_type',
      'age_seconds',
      'error',
      'expires_at',
      'flavor',
      'issued_at',
      'kind',
      'refresh',
      'scopes',
      'user_id',
      'username',
      'valid',
    ])
    assert.equal(report['valid'], true)
    assert.equal(report['username'], 'emu_business')
    assert.equal(report['user_id'], BUSINESS)
    assert.equal((report['refresh'] as Record<string, unknown>)['possible_now'], null)
    assert.ok(!r.stdout.includes(token))
  })

  test('a token given as an argument works but warns about shell history', async () => {
    const token = await mint()
    const r = await runCli(['inspect', token], env)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /stays in your shell history/)
    assert.match(r.stdout, /valid: +yes/)
    assert.match(r.stdout, /owner: +@emu_business/)
    assert.ok(!r.stderr.includes(token))
  })
})

describe('igtoken refresh', () => {
  test('Meta refuses a token younger than 24 h; nothing printed on stdout', async () => {
    const token = await mint()
    const r = await runCli(['refresh'], env, `${token}\n`)
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /fix: Meta refreshes a token once it is 24 hours old/)
    assert.ok(!r.stderr.includes(token))
  })

  test('known times refuse early without calling Meta', async () => {
    const token = await mint()
    const before = await refreshCalls()
    const input = JSON.stringify({
      access_token: token,
      issued_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 50 * 86_400_000).toISOString(),
    })
    const r = await runCli(['refresh', '--json'], env, input)
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'too_early')
    assert.equal(await refreshCalls(), before, 'no call reached Meta')
  })

  test('a day-old token is refreshed; --out writes the new one with mode 0600', async () => {
    const token = await mint()
    await world.emulator.control.advanceClock(25 * 3_600_000)
    const out = join(world.dir, 'refreshed.txt')
    const r = await runCli(['refresh', '--out', out, '--json'], { ...env, IGTOKEN_TOKEN: token })
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as Record<string, unknown>
    assert.deepEqual(Object.keys(doc).sort(), [
      'expires_at',
      'expires_in',
      'flavor',
      'issued_at',
      'out',
      'token_type',
    ])
    const fresh = readFileSync(out, 'utf8').trim()
    assert.match(fresh, /^IGAA/)
    assert.notEqual(fresh, token)
    assert.equal(statSync(out).mode & 0o777, 0o600)
    assert.ok(!r.stdout.includes(fresh))
    // The fresh token works.
    const check = await runCli(['inspect'], { ...env, IGTOKEN_TOKEN: fresh })
    assert.equal(check.code, 0, check.stderr)
  })

  test('Facebook tokens have no refresh grant', async () => {
    const r = await runCli(['refresh', '--flavor', 'facebook-login'], {
      ...env,
      IGTOKEN_TOKEN: 'EAAxyz',
    })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no refresh grant/)
  })
})
