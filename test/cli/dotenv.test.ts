import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { runCli, startWorld } from './cli-process.js'
import type { CliWorld } from './cli-process.js'

// The CLI reads `.env` in its working folder through config.ts, as `igtoken serve` does; the
// environment wins over the file.
const BUSINESS = '17841405793187218'
let world: CliWorld
let dir: string

before(async () => {
  world = await startWorld(['https://localhost:8443/callback'])
  dir = mkdtempSync(join(tmpdir(), 'igtoken-dotenv-'))
})
after(async () => {
  await world.close()
  rmSync(dir, { recursive: true, force: true })
})

function writeEnvFile(lines: Record<string, string>): void {
  writeFileSync(
    join(dir, '.env'),
    Object.entries(lines)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  )
}

async function mint(): Promise<string> {
  const minted = await world.emulator.control.mintToken({
    appId: DEMO_APP.instagramAppId,
    userId: BUSINESS,
    kind: 'long',
  })
  return minted.access_token
}

describe('the CLI honours .env', () => {
  test('inspect reaches the emulator named only in .env', async () => {
    writeEnvFile({ IGTOKEN_META_EMULATOR_URL: world.env['IGTOKEN_META_EMULATOR_URL'] ?? '' })
    const token = await mint()
    const before = await world.emulator.control.requests({})
    const r = await runCli(['inspect', '--json'], { IGTOKEN_TOKEN: token }, '', { cwd: dir })
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(report['valid'], true)
    assert.equal(report['user_id'], BUSINESS)
    // Independently: the emulator saw the calls (Meta itself would have refused this token).
    const afterRun = await world.emulator.control.requests({})
    assert.ok(afterRun.length > before.length)
  })

  test('IGTOKEN_FLAVOR from .env decides that refresh is refused, before any call', async () => {
    writeEnvFile({
      IGTOKEN_META_EMULATOR_URL: world.env['IGTOKEN_META_EMULATOR_URL'] ?? '',
      IGTOKEN_FLAVOR: 'facebook-login',
    })
    const token = await mint()
    const calls = await world.emulator.control.requests({})
    const r = await runCli(['refresh', '--json'], { IGTOKEN_TOKEN: token }, '', { cwd: dir })
    assert.equal(r.code, 2, r.stderr)
    assert.equal(
      (JSON.parse(r.stdout) as { error: { code: string } }).error.code,
      'not_refreshable',
    )
    assert.match(r.stderr, /no refresh grant/)
    assert.equal((await world.emulator.control.requests({})).length, calls.length)
  })

  test('the environment wins over .env', async () => {
    writeEnvFile({ IGTOKEN_FLAVOR: 'facebook-login' })
    const r = await runCli(
      ['refresh', '--json'],
      {
        IGTOKEN_FLAVOR: 'instagram-login',
        IGTOKEN_META_EMULATOR_URL: world.env['IGTOKEN_META_EMULATOR_URL'] ?? '',
        IGTOKEN_TOKEN: await mint(),
      },
      '',
      { cwd: dir },
    )
    // Not refused as a Facebook token: Meta's own answer (too young to refresh) comes back.
    assert.notEqual(r.code, 2, r.stderr)
    assert.doesNotMatch(r.stdout, /not_refreshable/)
  })

  test('a bad value in .env is a configuration error naming the variable (exit 2)', async () => {
    writeEnvFile({ IGTOKEN_META_EMULATOR_URL: 'not-a-url' })
    const r = await runCli(['inspect', '--json'], { IGTOKEN_TOKEN: 'IGAAxyz' }, '', { cwd: dir })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /IGTOKEN_META_EMULATOR_URL: expected an http/)
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'configuration')
  })
})
