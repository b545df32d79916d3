import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { T0, TEST_DIALECTS } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const sqlite = TEST_DIALECTS[0]
const TOKEN = 'metrics-token-0123456789abcdef'

describe('/metrics behind IGTOKEN_METRICS_TOKEN, rate-limited', () => {
  let t: TestDatabase
  let app: FastifyInstance
  const scrape = (authorization?: string, remoteAddress = '10.0.0.1') =>
    app.inject({
      url: '/metrics',
      remoteAddress,
      headers: authorization === undefined ? {} : { authorization },
    })

  before(async () => {
    assert.ok(sqlite)
    t = await sqlite.setup()
    app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
      metricsToken: TOKEN,
      rateLimitPerMinute: 6,
    })
  })
  after(async () => {
    await app.close()
    await t.cleanup()
  })

  test('no token or a wrong token: 401 and no metrics', async () => {
    for (const header of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await scrape(header, '10.0.0.2')
      assert.equal(res.statusCode, 401, String(header))
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'unauthorized')
      assert.doesNotMatch(res.body, /igtoken_http_requests_total/)
    }
  })

  test('the right token: 200 with Prometheus text', async () => {
    const res = await scrape(`Bearer ${TOKEN}`)
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    assert.match(res.body, /igtoken_http_requests_total/)
  })

  test('scrapes are rate-limited per address', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++)
      statuses.push((await scrape(`Bearer ${TOKEN}`, '10.0.0.3')).statusCode)
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429])
  })
})

describe('/metrics without IGTOKEN_METRICS_TOKEN stays open', () => {
  test('200 without a token', async () => {
    assert.ok(sqlite)
    const t = await sqlite.setup()
    const app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
    })
    try {
      assert.equal((await app.inject({ url: '/metrics' })).statusCode, 200)
    } finally {
      await app.close()
      await t.cleanup()
    }
  })
})
