import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { hashPassword } from '../../src/server/dashboard/password.js'
import { createApiKey } from '../../src/store/index.js'
import { T0, TEST_DIALECTS } from '../store/dialects.js'
import type { TestDatabase } from '../store/dialects.js'
import { keyringK1 } from '../store/fixtures.js'
import { discardLogs, offlineContext } from '../helpers/broker-app.js'

const sqlite = TEST_DIALECTS[0]
const PASSWORD = 'correct horse battery staple'

/** Every GET path of the app, read from Fastify's own route tree (params and wildcards filled). */
function getPaths(app: FastifyInstance): string[] {
  const paths: string[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false, method: 'GET' }).split('\n')) {
    const match = /^([│ ]*)[└├]── (.+?) \(/.exec(line)
    if (match === null) continue
    const depth = (match[1] ?? '').length / 4
    stack.length = depth
    const segment = match[2] ?? ''
    // The tree prints a wildcard without the static part it shares ("docs" › "*" is
    // /docs/static/*, the Swagger UI's files).
    stack.push(segment === '*' ? '/static/*' : segment)
    const path = stack.join('').replace(/\/{2,}/g, '/')
    paths.push(path.replace(/:[a-z]+/gi, 'x').replace(/\*$/, 'swagger-ui.css'))
  }
  // The Graph proxy passes Graph's own parameters on (fields, limit, after…); it refuses the
  // ones that would change the call itself (test/server/graph-proxy.test.ts).
  // (The tree prints its wildcard as the Swagger UI's, see above: /api/v1/accounts/x/static/….)
  return [...new Set(paths)].filter(
    (path) => !/^\/api\/v1\/accounts\/x\/(graph|static)\//.test(path),
  )
}

describe('unknown query parameters are refused on every route', () => {
  let t: TestDatabase
  let app: FastifyInstance
  const headers: Record<string, string> = {}

  before(async () => {
    assert.ok(sqlite)
    t = await sqlite.setup()
    app = await buildApp({
      ctx: offlineContext(t.store, keyringK1(), () => T0),
      demo: false,
      logStream: discardLogs(),
      dashboard: { passwordHash: await hashPassword(PASSWORD) },
    })
    // A signed-in operator and a valid API key, so guards let the request reach validation.
    const form = await app.inject({ url: '/dashboard/sign-in' })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
    const signedIn = await app.inject({
      method: 'POST',
      url: '/dashboard/sign-in',
      cookies: Object.fromEntries(form.cookies.map((c) => [c.name, c.value])),
      payload: { _csrf: csrf, password: PASSWORD },
    })
    const session = signedIn.cookies.find((c) => c.name === 'igtoken_session')
    assert.ok(session, `signed in (${signedIn.statusCode})`)
    headers['cookie'] = `igtoken_session=${session.value}`
    headers['authorization'] = `Bearer ${(await createApiKey(t.store, { name: 'q', now: T0 })).key}`
  })
  after(async () => {
    await app.close()
    await t.cleanup()
  })

  test('every registered GET route answers an unknown parameter with 400', async () => {
    const paths = getPaths(app)
    assert.ok(paths.length >= 25, `${paths.length} routes found: ${paths.join(' ')}`)
    for (const path of paths) {
      const plain = await app.inject({ url: path, headers })
      const res = await app.inject({ url: `${path}?_method=DELETE`, headers })
      assert.equal(res.statusCode, 400, `${path} (plain: ${plain.statusCode})`)
      assert.match(res.body, /invalid_request|FST_ERR_VALIDATION/, path)
      // Checked a second way: the same request without the parameter is not refused for it.
      assert.doesNotMatch(plain.body, /nothing at this address/i, `${path} is a route`)
      // (The OpenAPI document itself names `invalid_request` among every route's error codes.)
      const spec = /^\/(openapi\.json|docs\/json|docs\/yaml)$/.test(path)
      if (!spec) assert.doesNotMatch(plain.body, /additional properties|invalid_request/, path)
      else assert.equal(plain.statusCode, 200, path)
    }
  })

  test('the parameters routes document are still accepted', async () => {
    for (const url of ['/connect?format=json&label=x', '/healthz?format=json']) {
      assert.notEqual((await app.inject({ url, headers })).statusCode, 400, url)
    }
    const page = await app.inject({ url: '/dashboard/keys?done=revoked', headers })
    assert.equal(page.statusCode, 200)
  })
})
