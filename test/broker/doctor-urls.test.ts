import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkUrls } from '../../src/broker/doctor-checks.js'
import { loadConfig } from '../../src/config.js'

const KEYS = 'k1:' + Buffer.alloc(32, 1).toString('base64')
const LIVE = {
  IGTOKEN_APP_ID: '1234567890',
  IGTOKEN_APP_SECRET: 'a-real-looking-secret',
  IGTOKEN_ENCRYPTION_KEYS: KEYS,
}

function httpsChecks(env: Record<string, string>): Record<string, string> {
  const config = loadConfig(env, { envFile: false })
  return Object.fromEntries(
    checkUrls(config)
      .filter((c) => c.id.startsWith('https_'))
      .map((c) => [c.id, c.status]),
  )
}

// The plain-http production check, judged from the configuration as loaded (no emulator URL,
// which every process-level doctor test sets and which used to exempt the check).
describe('doctor: plain http on a public host', () => {
  test('a live app without an emulator: fail for both URLs', () => {
    assert.deepEqual(httpsChecks({ ...LIVE, IGTOKEN_PUBLIC_URL: 'http://tokens.example.com' }), {
      https_public_url: 'fail',
      https_redirect_uri: 'fail',
    })
  })

  test('an emulator URL does not excuse it', () => {
    assert.deepEqual(
      httpsChecks({
        ...LIVE,
        IGTOKEN_PUBLIC_URL: 'http://tokens.example.com',
        IGTOKEN_META_EMULATOR_URL: 'http://127.0.0.1:9',
      }),
      { https_public_url: 'fail', https_redirect_uri: 'fail' },
    )
  })

  test('https passes; loopback http and the demo only warn', () => {
    assert.deepEqual(httpsChecks({ ...LIVE, IGTOKEN_PUBLIC_URL: 'https://tokens.example.com' }), {
      https_public_url: 'pass',
      https_redirect_uri: 'pass',
    })
    assert.deepEqual(httpsChecks({ ...LIVE, IGTOKEN_PUBLIC_URL: 'http://127.0.0.1:8787' }), {
      https_public_url: 'warn',
      https_redirect_uri: 'warn',
    })
    assert.deepEqual(httpsChecks({ IGTOKEN_PUBLIC_URL: 'http://192.168.1.5:8787' }), {
      https_public_url: 'warn',
      https_redirect_uri: 'warn',
    })
  })
})
