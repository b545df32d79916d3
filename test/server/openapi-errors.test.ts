import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { HTTP_STATUS } from '../../src/server/errors.js'
import { buildApp } from '../../src/server/app.js'
import { T0, TEST_DIALECTS } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const sqlite = TEST_DIALECTS[0]

interface Response {
  readonly description?: string
  readonly content?: Record<string, { schema?: { properties?: Record<string, unknown> } }>
}
interface Operation {
  readonly summary?: string
  readonly responses?: Record<string, Response>
}

/** The codes an error response's schema allows (`error.code.enum`). */
function schemaCodes(response: Response): string[] {
  const schema = response.content?.['application/json']?.schema as
    { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } | undefined
  return schema?.properties?.error?.properties?.code?.enum ?? []
}

describe('/openapi.json: every /api/v1 operation has a summary and names its error codes', () => {
  let t: TestDatabase
  let app: FastifyInstance
  let paths: Record<string, Record<string, Operation>> = {}

  before(async () => {
    assert.ok(sqlite)
    t = await sqlite.setup()
    app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
    })
    const res = await app.inject({ url: '/openapi.json' })
    assert.equal(res.statusCode, 200)
    paths = res.json<{ paths: typeof paths }>().paths
  })
  after(async () => {
    await app.close()
    await t.cleanup()
  })

  test('each operation has a summary and error responses that list their codes', () => {
    const operations = Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/v1'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => ({ path, m, op })))
    assert.ok(operations.length >= 18, `${operations.length} operations`)
    const problems: string[] = []
    for (const { path, m, op } of operations) {
      const where = `${m.toUpperCase()} ${path}`
      if ((op.summary ?? '').trim() === '') problems.push(`${where}: no summary`)
      const errors = Object.entries(op.responses ?? {}).filter(([status]) => Number(status) >= 400)
      // Every API route can be refused by the key guard: at least 401 is always documented.
      if (!errors.some(([status]) => status === '401')) problems.push(`${where}: no 401`)
      for (const [status, response] of errors) {
        const codes = schemaCodes(response)
        if (codes.length === 0) problems.push(`${where} ${status}: lists no code`)
        for (const code of codes) {
          // Checked against the one mapping: each listed code really answers with this status,
          // and the description a reader sees names it.
          const expected = (HTTP_STATUS as Record<string, number>)[code]
          if (expected !== Number(status))
            problems.push(`${where} ${status}: ${code} is ${expected}`)
          if (!(response.description ?? '').includes(`\`${code}\``)) {
            problems.push(`${where} ${status}: description does not name ${code}`)
          }
        }
      }
    }
    assert.deepEqual(problems, [])
  })

  test('route-specific codes are listed where they happen', () => {
    const token = paths['/api/v1/accounts/{id}/token']?.['get']?.responses ?? {}
    assert.deepEqual(schemaCodes(token['409'] ?? {}), ['needs_reauth', 'account_inactive'])
    const hooks = paths['/api/v1/webhooks/{id}']?.['delete']?.responses ?? {}
    assert.deepEqual(schemaCodes(hooks['404'] ?? {}), ['not_found'])
    const cancel = paths['/api/v1/connect-links/{id}']?.['delete']?.responses ?? {}
    assert.deepEqual(schemaCodes(cancel['409'] ?? {}), ['link_used'])
    const proxy = paths['/api/v1/accounts/{id}/graph/{*}']?.['get']?.responses ?? {}
    assert.ok(schemaCodes(proxy['403'] ?? {}).includes('graph_path_forbidden'))
  })
})
