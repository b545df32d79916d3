import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { createApiKey } from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const sqlite = TEST_DIALECTS[0]

describe('API rate limits: per key when authenticated, per address when not', () => {
  let t: TestDatabase
  let app: FastifyInstance
  const status = async (key: string, address = '10.0.0.1') =>
    (
      await app.inject({
        url: '/api/v1/accounts',
        remoteAddress: address,
        headers: { authorization: `Bearer ${key}` },
      })
    ).statusCode

  before(async () => {
    assert.ok(sqlite)
    t = await sqlite.setup()
    app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
      rateLimitPerMinute: 3,
      apiKeyRateLimitPerMinute: 5,
    })
  })
  after(async () => {
    await app.close()
    await t.cleanup()
  })

  test('failed keys count against the address, and a made-up key gets no fresh budget', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await status(`wrong-${i}`, '10.0.0.9'), 401)
    assert.equal(await status('wrong-again', '10.0.0.9'), 429)
    const res = await app.inject({ url: '/api/v1/accounts', remoteAddress: '10.0.0.9' })
    assert.equal(res.statusCode, 429)
    assert.deepEqual(res.json(), {
      error: { code: 'rate_limited', message: 'too many failed API keys; slow down' },
    })
    assert.equal(await status('wrong-elsewhere', '10.0.0.10'), 401, 'other addresses are not hit')
  })

  test('a valid key gets its own budget, above the per-address one', async () => {
    const first = (await createApiKey(t.store, { name: 'a', now: T0 })).key
    const second = (await createApiKey(t.store, { name: 'b', now: T0 })).key
    for (let i = 0; i < 5; i++) assert.equal(await status(first), 200, `request ${i + 1}`)
    assert.equal(await status(first), 429)
    assert.equal(await status(second), 200, 'another key from the same address is not limited')
  })
})
