import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ConfigError, loadConfig } from '../src/config.js'

const load = (env: Record<string, string>) => loadConfig(env, { envFile: false })

describe('loadConfig refuses wrong values with one line naming the variable', () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ IGTOKEN_PORT: 'abc' }, 'IGTOKEN_PORT', /port number.*"abc"/],
    [{ IGTOKEN_PORT: '70000' }, 'IGTOKEN_PORT', /between 1 and 65535/],
    [{ IGTOKEN_PUBLIC_URL: 'ftp://x' }, 'IGTOKEN_PUBLIC_URL', /http/],
    [{ IGTOKEN_FLAVOR: 'tiktok' }, 'IGTOKEN_FLAVOR', /instagram-login/],
    [{ IGTOKEN_LOG_LEVEL: 'loud' }, 'IGTOKEN_LOG_LEVEL', /info/],
    [{ IGTOKEN_APP_ID: 'my-app' }, 'IGTOKEN_APP_ID', /numeric app id/],
    [{ IGTOKEN_APP_ID: '123' }, 'IGTOKEN_APP_SECRET', /required when IGTOKEN_APP_ID/],
    [
      { IGTOKEN_APP_ID: '123', IGTOKEN_APP_SECRET: 's3cr3t-value' },
      'IGTOKEN_ENCRYPTION_KEYS',
      /required/,
    ],
    [{ IGTOKEN_GRAPH_VERSION: '25' }, 'IGTOKEN_GRAPH_VERSION', /v25\.0/],
    [{ IGTOKEN_TRUST_PROXY: 'maybe' }, 'IGTOKEN_TRUST_PROXY', /hop count/],
    [{ IGTOKEN_TRUST_PROXY: 'true' }, 'IGTOKEN_TRUST_PROXY', /number of proxies/],
  ]
  for (const [env, variable, message] of cases) {
    test(`${variable} = ${JSON.stringify(Object.values(env).at(-1))}`, () => {
      assert.throws(
        () => load(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError)
          assert.equal(error.variable, variable)
          assert.match(error.message, new RegExp(`^${variable}: `))
          assert.match(error.message, message)
          assert.ok(!error.message.includes('\n'))
          return true
        },
      )
    })
  }

  test('a secret value is never echoed', () => {
    assert.throws(
      () =>
        load({
          IGTOKEN_APP_ID: '123',
          IGTOKEN_APP_SECRET: 'top-secret-value',
          IGTOKEN_ENCRYPTION_KEYS: 'x',
          IGTOKEN_PORT: 'nope',
        }),
      (error: unknown) => error instanceof Error && !error.message.includes('top-secret-value'),
    )
  })
})

describe('loadConfig defaults and sources', () => {
  test('demo defaults', () => {
    const config = load({})
    assert.equal(config.demo, true)
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.port, 8787)
    assert.equal(config.publicUrl, 'http://127.0.0.1:8787')
    assert.equal(config.redirectUri, 'http://127.0.0.1:8787/callback')
    assert.equal(config.databaseUrl, 'sqlite:./data/igtoken.db')
    assert.equal(config.flavor, 'instagram-login')
    assert.equal(config.emulatorPort, 8788)
    assert.ok(Object.isFrozen(config))
  })

  test('live configuration, trailing slash removed, scopes split', () => {
    const config = load({
      IGTOKEN_APP_ID: '123',
      IGTOKEN_APP_SECRET: 'secret',
      IGTOKEN_ENCRYPTION_KEYS: 'k1:AAAA',
      IGTOKEN_PUBLIC_URL: 'https://tokens.example.com/',
      IGTOKEN_SCOPES: 'instagram_business_basic, instagram_business_manage_insights',
    })
    assert.equal(config.demo, false)
    assert.equal(config.publicUrl, 'https://tokens.example.com')
    assert.equal(config.redirectUri, 'https://tokens.example.com/callback')
    assert.deepEqual(config.scopes, [
      'instagram_business_basic',
      'instagram_business_manage_insights',
    ])
  })

  test('.env is read, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'igtoken-env-'))
    const file = join(dir, '.env')
    writeFileSync(file, 'IGTOKEN_PORT=9000\nIGTOKEN_HOST=0.0.0.0\n')
    const config = loadConfig({ IGTOKEN_PORT: '9100' }, { envFile: file })
    assert.equal(config.port, 9100)
    assert.equal(config.host, '0.0.0.0')
  })
})

describe('demo mode is never chosen by accident', () => {
  const key = 'live:' + Buffer.alloc(32, 7).toString('base64')
  const live: [string, Record<string, string>, RegExp][] = [
    ['real encryption keys', { IGTOKEN_ENCRYPTION_KEYS: key }, /IGTOKEN_ENCRYPTION_KEYS looks/],
    [
      'a PostgreSQL database',
      { IGTOKEN_DATABASE_URL: 'postgres://u:p@127.0.0.1/igtoken' },
      /IGTOKEN_DATABASE_URL \(PostgreSQL\)/,
    ],
    [
      'an https public URL',
      { IGTOKEN_PUBLIC_URL: 'https://tokens.example.com' },
      /IGTOKEN_PUBLIC_URL \(https\)/,
    ],
  ]
  for (const [what, env, named] of live) {
    test(`no app id with ${what}: refused, naming IGTOKEN_APP_ID and the fix`, () => {
      assert.throws(
        () => load(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError)
          assert.equal(error.variable, 'IGTOKEN_APP_ID')
          assert.match(error.message, named)
          assert.match(error.message, /IGTOKEN_APP_SECRET/)
          assert.match(error.message, /IGTOKEN_DEMO=true/)
          assert.ok(!error.message.includes(key.slice(5)), 'the key is never echoed')
          assert.ok(!error.message.includes('\n'))
          return true
        },
      )
    })
    test(`no app id with ${what} and IGTOKEN_DEMO=true: demo mode on purpose`, () => {
      const config = load({ ...env, IGTOKEN_DEMO: 'true' })
      assert.equal(config.demo, true)
    })
  }

  test('all three at once are all named', () => {
    assert.throws(
      () =>
        load({
          IGTOKEN_ENCRYPTION_KEYS: key,
          IGTOKEN_DATABASE_URL: 'postgresql://u:p@127.0.0.1/igtoken',
          IGTOKEN_PUBLIC_URL: 'https://tokens.example.com',
        }),
      /IGTOKEN_ENCRYPTION_KEYS, IGTOKEN_DATABASE_URL \(PostgreSQL\), IGTOKEN_PUBLIC_URL \(https\) look like a live setup/,
    )
  })

  test('a plain demo (http, SQLite, no keys) needs nothing', () => {
    assert.equal(load({}).demo, true)
    assert.equal(load({ IGTOKEN_PUBLIC_URL: 'http://192.168.1.5:8787' }).demo, true)
  })

  test('IGTOKEN_DEMO=false refuses demo mode outright', () => {
    assert.throws(() => load({ IGTOKEN_DEMO: 'false' }), /IGTOKEN_APP_ID: is required/)
  })

  test('IGTOKEN_DEMO must be true or false', () => {
    assert.throws(() => load({ IGTOKEN_DEMO: 'yes' }), /IGTOKEN_DEMO: expected true or false/)
  })

  test('a live app is live whatever IGTOKEN_DEMO says', () => {
    const config = load({
      IGTOKEN_APP_ID: '123',
      IGTOKEN_APP_SECRET: 's3cr3t-value',
      IGTOKEN_ENCRYPTION_KEYS: key,
      IGTOKEN_DEMO: 'true',
    })
    assert.equal(config.demo, false)
  })
})
