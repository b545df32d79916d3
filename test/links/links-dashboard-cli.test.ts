import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { csrfOf, signIn, startDashboardService, visit } from '../dashboard/harness.js'
import type { DashboardService } from '../dashboard/harness.js'
import { runCli } from '../helpers/cli.js'
import { api } from './link-flow.js'

let svc: DashboardService
let key: string
before(async () => {
  svc = await startDashboardService()
  key = await svc.apiKey()
})
after(() => svc.close())

test('dashboard: create shows the link once, the list shows it pending, cancel makes it cancelled', async () => {
  const jar = await signIn(svc.url)
  const page = await visit(jar, `${svc.url}/dashboard/links`)
  assert.equal(page.response.status, 200)
  assert.match(page.html, /aria-current="page">Connect links/)
  const created = await visit(jar, `${svc.url}/dashboard/links`, {
    form: { _csrf: csrfOf(page.html), label: 'Acme Bakery', customer: 'cus-42', days: '3' },
  })
  assert.equal(created.response.status, 201)
  const url = /<code class="secret" id="created-link">([^<]+)<\/code>/.exec(created.html)?.[1] ?? ''
  assert.ok(url.startsWith(`${svc.url}/link/`))
  assert.equal((await fetch(url)).status, 200)
  // Shown once: the list page never shows it again.
  const listed = await visit(jar, `${svc.url}/dashboard/links`)
  assert.ok(!listed.html.includes(url))
  assert.match(listed.html, /customer_id=cus-42/)
  const id = /data-link-id="([^"]+)"/.exec(listed.html)?.[1]
  assert.ok(id)
  const viaApi = await api(svc.url, key, '/api/v1/connect-links')
  const link = (viaApi.body['data'] as { id: string; expires_at: string; created_at: string }[])[0]
  assert.equal(link?.id, id)
  assert.equal(Date.parse(link.expires_at) - Date.parse(link.created_at), 3 * 86_400_000)

  const bad = await visit(jar, `${svc.url}/dashboard/links`, {
    form: { _csrf: csrfOf(listed.html), return_to: 'https://evil.example/' },
  })
  assert.equal(bad.response.status, 400)
  const cancel = await visit(jar, `${svc.url}/dashboard/links/${encodeURIComponent(id)}/cancel`, {
    form: { _csrf: csrfOf(listed.html) },
  })
  assert.equal(cancel.response.status, 303)
  assert.equal((await fetch(url)).status, 410)
  const after = await api(svc.url, key, '/api/v1/connect-links')
  const states = (after.body['data'] as { id: string; state: string }[]).map((l) => l.state)
  assert.deepEqual(states, ['cancelled'], 'the refused form stored nothing')
})

test('CLI: links create prints the URL once, list and cancel answer JSON', async () => {
  const env = { IGTOKEN_DATA_DIR: svc.dataDir, IGTOKEN_PUBLIC_URL: svc.url }
  const created = await runCli(
    ['links', 'create', '--label', 'Cli Client', '--metadata', 'customer_id=c-7', '--json'],
    env,
  )
  assert.equal(created.code, 0, created.stderr)
  const body = JSON.parse(created.stdout) as { url: string; link: { id: string; state: string } }
  assert.equal(body.link.state, 'pending')
  assert.equal((await fetch(body.url)).status, 200)
  const secret = body.url.slice(body.url.lastIndexOf('/') + 1)

  const list = await runCli(['links', 'list', '--json'], env)
  assert.equal(list.code, 0, list.stderr)
  const links = JSON.parse(list.stdout) as { id: string; state: string; metadata: object }[]
  const mine = links.find((l) => l.id === body.link.id)
  assert.deepEqual(mine?.metadata, { customer_id: 'c-7' })
  assert.ok(!list.stdout.includes(secret))

  const cancel = await runCli(['links', 'cancel', body.link.id, '--json'], env)
  assert.equal(cancel.code, 0, cancel.stderr)
  assert.equal((JSON.parse(cancel.stdout) as { state: string }).state, 'cancelled')
  const unknown = await runCli(['links', 'cancel', 'lnk_nope'], env)
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /no connect link has this id/)
  const badScope = await runCli(['links', 'create', '--scopes', 'pages_show_list'], env)
  assert.notEqual(badScope.code, 0)
  assert.match(badScope.stderr, /"scopes" may only name scopes/)
})
