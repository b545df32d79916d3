import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { after, before, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { DEMO_APP } from '../../src/emulator/index.js'
import { runCli, startWorld } from '../cli/cli-process.js'
import type { CliWorld } from '../cli/cli-process.js'

// Issue #15 item 2: `igtoken init` asks for the going-live values, checks them with Meta (the
// emulator here) and writes a 0600 .env, or writes nothing.

const PUBLIC_URL = 'https://tokens.example.com'
let world: CliWorld
let env: Record<string, string>

before(async () => {
  world = await startWorld([`${PUBLIC_URL}/callback`])
  env = { IGTOKEN_META_EMULATOR_URL: world.env['IGTOKEN_META_EMULATOR_URL'] ?? '' }
})
after(() => world.close())

function init(dir: string, args: readonly string[], input: string) {
  return runCli(['init', '--app-id', DEMO_APP.instagramAppId, ...args], env, input, { cwd: dir })
}

test('init with good values writes a 0600 .env with every going-live key, printing no secret', async () => {
  const dir = join(world.dir, 'good')
  mkdirSync(dir)
  const secrets = `${DEMO_APP.instagramAppSecret}\nthe-meta-app-secret\n\n`
  const r = await init(
    dir,
    ['--public-url', `${PUBLIC_URL}/`, '--trust-proxy', '127.0.0.1'],
    secrets,
  )
  assert.equal(r.code, 0, r.stderr)
  const file = join(dir, '.env')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const parsed = parseEnv(readFileSync(file, 'utf8'))
  assert.deepEqual(Object.keys(parsed).sort(), [
    'IGTOKEN_ADMIN_PASSWORD',
    'IGTOKEN_APP_ID',
    'IGTOKEN_APP_SECRET',
    'IGTOKEN_ENCRYPTION_KEYS',
    'IGTOKEN_META_APP_SECRET',
    'IGTOKEN_PUBLIC_URL',
    'IGTOKEN_TRUST_PROXY',
  ])
  assert.equal(parsed['IGTOKEN_PUBLIC_URL'], PUBLIC_URL, 'the trailing slash is dropped')
  assert.equal(parsed['IGTOKEN_APP_SECRET'], DEMO_APP.instagramAppSecret)
  assert.equal(parsed['IGTOKEN_META_APP_SECRET'], 'the-meta-app-secret')
  const password = parsed['IGTOKEN_ADMIN_PASSWORD'] ?? ''
  assert.ok(password.length >= 20, 'a generated password')
  // The key checked without the code that made it: kid:base64 of 32 bytes.
  const key = /^([^:]+):(.+)$/.exec(parsed['IGTOKEN_ENCRYPTION_KEYS'] ?? '')
  assert.ok(key !== null)
  assert.equal(Buffer.from(key[2] ?? '', 'base64').length, 32)
  // The service loads it in live mode.
  const config = loadConfig({}, { envFile: file })
  assert.equal(config.demo, false)
  assert.equal(config.redirectUri, `${PUBLIC_URL}/callback`)
  for (const secret of [
    DEMO_APP.instagramAppSecret,
    'the-meta-app-secret',
    password,
    key[2] ?? '',
  ]) {
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'no secret printed')
  }
  assert.match(r.stderr, /Next: npx igtoken doctor && npm start/)

  // A second run refuses to replace it, and leaves it as it was.
  const before = readFileSync(file, 'utf8')
  const again = await init(dir, ['--public-url', PUBLIC_URL], secrets)
  assert.equal(again.code, 2)
  assert.match(again.stderr, /exists already/)
  assert.match(again.stderr, /fix: .*--force/)
  assert.equal(readFileSync(file, 'utf8'), before)

  // --force replaces it, still 0600, even when the old file was readable by others.
  chmodSync(file, 0o644)
  const forced = await init(dir, ['--public-url', PUBLIC_URL, '--force'], secrets)
  assert.equal(forced.code, 0, forced.stderr)
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.notEqual(readFileSync(file, 'utf8'), before, 'a new key and password')
})

test('init with a wrong app secret exits 1 with a fix and writes nothing', async () => {
  const dir = join(world.dir, 'wrong-secret')
  mkdirSync(dir)
  const r = await init(dir, ['--public-url', PUBLIC_URL], 'not-the-secret\n\n\n')
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stderr, /refused the secret.*nothing was written/)
  assert.match(r.stderr, /^ {2}fix: set IGTOKEN_APP_SECRET to the Instagram app secret/m)
  assert.ok(!r.stderr.includes('not-the-secret'))
  assert.equal(existsSync(join(dir, '.env')), false)
})

test('init with a redirect URI Meta does not know exits 1 naming it, and writes nothing', async () => {
  const dir = join(world.dir, 'unregistered')
  mkdirSync(dir)
  const r = await init(
    dir,
    ['--public-url', 'https://elsewhere.example.com'],
    `${DEMO_APP.instagramAppSecret}\n\n\n`,
  )
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stderr, /https:\/\/elsewhere\.example\.com\/callback is not registered/)
  assert.match(r.stderr, /fix: register exactly https:\/\/elsewhere\.example\.com\/callback/)
  assert.equal(existsSync(join(dir, '.env')), false)
})

test('init refuses plain http and a short password before asking Meta', async () => {
  const dir = join(world.dir, 'bad-input')
  mkdirSync(dir)
  const http = await init(dir, ['--public-url', 'http://tokens.example.com'], 'x\n\n\n')
  assert.equal(http.code, 2)
  assert.match(http.stderr, /must be https/)
  const short = await runCli(
    ['init', '--app-id', DEMO_APP.instagramAppId, '--public-url', PUBLIC_URL],
    { ...env, IGTOKEN_ADMIN_PASSWORD: 'short' },
    `${DEMO_APP.instagramAppSecret}\n\n`,
    { cwd: dir },
  )
  assert.equal(short.code, 2)
  assert.match(short.stderr, /IGTOKEN_ADMIN_PASSWORD/)
  assert.ok(!short.stderr.includes('short\n'))
  assert.equal(existsSync(join(dir, '.env')), false)
})
