import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { DashboardService } from '../dashboard/harness.js'
import { startDashboardService } from '../dashboard/harness.js'

let svc: DashboardService
before(async () => {
  svc = await startDashboardService()
})
after(async () => {
  await svc.close()
})

interface Operation {
  tags?: string[]
  responses?: Record<string, unknown>
}

test('every registered /api/v1 route is in /openapi.json, tagged and with its responses', async () => {
  const res = await fetch(`${svc.url}/openapi.json`)
  assert.equal(res.status, 200)
  const doc = (await res.json()) as {
    openapi: string
    paths: Record<string, Record<string, Operation>>
  }
  assert.equal(doc.openapi, '3.1.0')
  const routes = svc.service.app.registeredRoutes.filter(
    (r) => r.url.startsWith('/api/v1') && r.method !== 'HEAD' && r.method !== 'OPTIONS',
  )
  assert.ok(routes.length >= 10, `found only ${String(routes.length)} routes`)
  const missing: string[] = []
  for (const route of routes) {
    const path = route.url
      .replace(/:([A-Za-z_]+)/g, '{$1}')
      .replace(/\/\*$/, '/{*}')
      .replace(/(.)\/$/, '$1')
    const operation = doc.paths[path]?.[route.method.toLowerCase()]
    if (operation === undefined) missing.push(`${route.method} ${route.url}`)
    else assert.ok((operation.tags ?? []).length > 0, `${route.method} ${route.url} has a tag`)
  }
  assert.deepEqual(missing, [])
  // The routes this part owns document their bodies, not just their existence.
  for (const [path, method] of [
    ['/api/v1/accounts', 'get'],
    ['/api/v1/accounts/{id}/token', 'get'],
    ['/api/v1/feeds', 'post'],
    ['/feeds/{id}.json', 'get'],
  ] as const) {
    const responses = doc.paths[path]?.[method]?.responses ?? {}
    assert.ok('200' in responses || '201' in responses, `${method} ${path} has a success schema`)
  }
  // Nothing but the API and the feeds is documented.
  assert.deepEqual(
    Object.keys(doc.paths).filter((p) => !p.startsWith('/api/v1') && !p.startsWith('/feeds/')),
    [],
  )
})

test('/docs renders the reference', async () => {
  const res = await fetch(`${svc.url}/docs`)
  assert.equal(res.status, 200)
  assert.match(await res.text(), /swagger-ui/i)
})
