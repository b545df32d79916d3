import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_STATUSES } from '../../src/store/tables/accounts.table.js'
import { buildApp } from '../../src/server/app.js'
import { createApiKey } from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const sqlite = TEST_DIALECTS[0]
// A value a caller might paste into the wrong field: it must never come back in the message.
const SECRET = 'IGAAsecretTokenValue123'

describe('API 400 messages name the field and what it accepts (#15 item 12)', () => {
  let t: TestDatabase
  let app: FastifyInstance
  let authorization = ''

  before(async () => {
    assert.ok(sqlite)
    t = await sqlite.setup()
    app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
    })
    authorization = `Bearer ${(await createApiKey(t.store, { name: 'v', now: T0 })).key}`
  })
  after(async () => {
    await app.close()
    await t.cleanup()
  })

  async function refused(
    request: { method?: 'GET' | 'POST'; url: string; payload?: object },
    expected: string,
  ): Promise<void> {
    const res = await app.inject({ ...request, headers: { authorization } })
    assert.equal(res.statusCode, 400, `${request.url}: ${res.body}`)
    const body = res.json<{ error: { code: string; message: string } }>()
    assert.equal(body.error.code, 'invalid_request')
    assert.equal(body.error.message, expected)
    assert.ok(!res.body.includes(SECRET), 'the rejected value is not echoed')
  }

  test('a query enum lists its allowed values', async () => {
    await refused(
      { url: `/api/v1/accounts?status=${SECRET}` },
      `"status" must be one of: ${ACCOUNT_STATUSES.join(', ')}`,
    )
  })

  test('integer bounds are named whole, for a value out of range and for a non-number', async () => {
    await refused({ url: '/api/v1/accounts?limit=0' }, '"limit" must be an integer from 1 to 500')
    await refused({ url: '/api/v1/accounts?limit=501' }, '"limit" must be an integer from 1 to 500')
    await refused(
      { url: `/api/v1/accounts?limit=${SECRET}` },
      '"limit" must be an integer from 1 to 500',
    )
  })

  test('an unknown query parameter is named', async () => {
    await refused(
      { url: `/api/v1/accounts?_method=${SECRET}` },
      `query has an unknown field "_method"`,
    )
  })

  test('a missing body field is named', async () => {
    await refused(
      { method: 'POST', url: '/api/v1/webhooks', payload: { secret: SECRET } },
      'body is missing "url"',
    )
  })

  test('an unknown body field is named, its value is not', async () => {
    await refused(
      {
        method: 'POST',
        url: '/api/v1/webhooks',
        payload: { url: 'https://example.com/hook', secret: 'x'.repeat(32), token: SECRET },
      },
      'body has an unknown field "token"',
    )
  })

  test('a body that is not JSON is refused without quoting it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { authorization, 'content-type': 'application/json' },
      payload: `${SECRET}{`,
    })
    assert.equal(res.statusCode, 400, res.body)
    const body = res.json<{ error: { code: string; message: string } }>()
    assert.deepEqual(body.error, { code: 'invalid_request', message: 'the body is not valid JSON' })
    // Checked on the raw bytes too: no slice of the body comes back.
    assert.ok(!res.body.includes(SECRET.slice(0, 8)), res.body)
  })
})
