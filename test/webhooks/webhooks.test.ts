import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import {
  nextDeliveryAttemptAt,
  signWebhookDelivery,
  verifyWebhookDelivery,
} from '../../src/broker/webhooks/index.js'
import { record } from '../../src/broker/effects/index.js'
import { getAccount, listWebhookDeliveries, listWebhookSubscribers } from '../../src/store/index.js'
import { DAY, startLiveRig, startReceiver } from '../refresh/rig.js'
import type { LiveRig } from '../refresh/rig.js'

const SECRET = 'whsec-0123456789abcdef0123456789'
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname

describe('delivery signatures', () => {
  const body = '{"type":"token.refreshed"}'
  const now = 1_800_000_000_000
  const header = signWebhookDelivery(SECRET, body, now / 1000)

  test('refuses a tampered body, another secret, a stale or future timestamp, and junk headers', () => {
    assert.deepEqual(verifyWebhookDelivery(SECRET, header, `${body} `, { now }), {
      ok: false,
      reason: 'bad_signature',
    })
    assert.equal(verifyWebhookDelivery(`${SECRET}x`, header, body, { now }).ok, false)
    assert.deepEqual(verifyWebhookDelivery(SECRET, header, body, { now: now + 301_000 }), {
      ok: false,
      reason: 'stale',
    })
    assert.equal(verifyWebhookDelivery(SECRET, header, body, { now: now - 301_000 }).ok, false)
    for (const junk of [undefined, '', 't=abc,v1=00', `v1=${'0'.repeat(64)}`, 't=1']) {
      assert.deepEqual(verifyWebhookDelivery(SECRET, junk, body, { now }), {
        ok: false,
        reason: 'malformed',
      })
    }
  })

  test('accepts the genuine delivery', () => {
    assert.match(header, /^t=1800000000,v1=[0-9a-f]{64}$/)
    assert.deepEqual(verifyWebhookDelivery(SECRET, header, body, { now }), {
      ok: true,
      timestamp: 1_800_000_000,
    })
  })

  test('retries back off and stop a day after the event', () => {
    const created = 0
    assert.ok((nextDeliveryAttemptAt(1, created, 0, 0, DAY) ?? 0) >= 15_000)
    assert.ok((nextDeliveryAttemptAt(10, created, 0, 0.99, DAY) ?? 0) <= 3_600_000)
    assert.equal(nextDeliveryAttemptAt(50, created, DAY - 1000, 0.5, DAY), null)
  })
})

describe('/api/v1/webhooks and igtoken webhooks', () => {
  let rig: LiveRig
  let key: string
  before(async () => {
    rig = await startLiveRig({ env: { IGTOKEN_PUBLIC_URL: 'https://igtoken.example' } })
    key = await rig.apiKey()
  })
  after(async () => {
    await rig.close()
  })

  function api(path: string, init: RequestInit = {}, bearer: string | null = key) {
    const headers = new Headers(init.headers)
    if (bearer !== null) headers.set('authorization', `Bearer ${bearer}`)
    if (init.body !== undefined) headers.set('content-type', 'application/json')
    return fetch(`${rig.url}/api/v1/webhooks${path}`, { ...init, headers })
  }

  function cli(
    args: string[],
    input = '',
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'webhooks', ...args], {
      env: { ...process.env, ...rig.env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdin.end(input)
    return new Promise((resolve) =>
      child.on('close', (code) => {
        resolve({ code, stdout, stderr })
      }),
    )
  }

  test('API refusals: no key, bad URL, http when public over https, missing or short secret, unknown event, unknown id', async () => {
    assert.equal((await api('', {}, null)).status, 401)
    const bad: [string, unknown][] = [
      ['not a url', { url: 'not a url', secret: SECRET }],
      ['ftp', { url: 'ftp://example.com/x', secret: SECRET }],
      ['credentials', { url: 'https://u:p@example.com/x', secret: SECRET }],
      ['http', { url: 'http://example.com/hooks', secret: SECRET }],
      ['no secret', { url: 'https://example.com/hooks' }],
      ['short secret', { url: 'https://example.com/hooks', secret: 'short' }],
      [
        'unknown event',
        { url: 'https://example.com/hooks', secret: SECRET, events: ['token.eaten'] },
      ],
      ['extra field', { url: 'https://example.com/hooks', secret: SECRET, admin: true }],
    ]
    for (const [name, body] of bad) {
      const res = await api('', { method: 'POST', body: JSON.stringify(body) })
      assert.equal(res.status, 400, name)
      const error = ((await res.json()) as { error: { code: string; message: string } }).error
      assert.equal(error.code, 'invalid_request', name)
      assert.ok(!error.message.includes(SECRET), 'the secret is never echoed')
    }
    const http = await api('', {
      method: 'POST',
      body: JSON.stringify({ url: 'http://example.com/hooks', secret: SECRET }),
    })
    assert.match(((await http.json()) as { error: { message: string } }).error.message, /https/)
    assert.equal((await api('/whk_nope', { method: 'DELETE' })).status, 404)
    assert.equal((await api('/whk_nope/deliveries')).status, 404)
    assert.deepEqual(await listWebhookSubscribers(rig.service.store), [], 'nothing was stored')
  })

  test('CLI refusals change nothing and say why', async () => {
    const cases: [string[], RegExp][] = [
      [['add', 'https://example.com/hooks'], /--secret is required/],
      [['add', 'http://example.com/hooks', '--secret', SECRET], /https/],
      [['add', 'nonsense', '--secret', SECRET], /"url"/],
      [['add', 'https://example.com/hooks', '--secret', 'short'], /16 to 512/],
      [['add', 'https://example.com/hooks', '--secret', SECRET, '--events', 'x.y'], /--events/],
    ]
    for (const [args, message] of cases) {
      const run = await cli(args)
      assert.equal(run.code, 2, args.join(' '))
      assert.match(run.stderr, message)
    }
    const remove = await cli(['remove', 'whk_nope'])
    assert.equal(remove.code, 1)
    assert.match(remove.stderr, /no webhook subscriber/)
    assert.deepEqual(await listWebhookSubscribers(rig.service.store), [])
  })

  test('add, list, deliver with retries, remove (API and CLI)', async () => {
    const receiver = await startReceiver(SECRET, () => rig.now())
    try {
      // The service is public over https, so the CLI accepts only an https URL; the row is then
      // pointed at the local http receiver below.
      const added = await cli(
        ['add', 'https://hooks.example/igtoken', '--secret', '-', '--json'],
        SECRET,
      )
      assert.equal(added.code, 0, added.stderr)
      const view = JSON.parse(added.stdout) as { id: string; events: string[] }
      assert.deepEqual(view.events, ['*'])
      assert.ok(!added.stdout.includes(SECRET))
      const listed = (await (await api('')).json()) as { data: { id: string; url: string }[] }
      assert.deepEqual(
        listed.data.map((d) => d.id),
        [view.id],
      )
      assert.ok(!JSON.stringify(listed).includes(SECRET))
      // Point the subscriber at the local receiver (the https rule is the API's, not the worker's).
      await rig.service.store.db
        .updateTable('webhook_subscribers')
        .set({ url: receiver.url })
        .where('id', '=', view.id)
        .execute()

      const [accountId] = await rig.seed(1)
      const account = await getAccount(rig.service.store, accountId ?? '')
      assert.ok(account)
      receiver.status = 500
      await record(rig.service.store, { type: 'account.connected', account }, rig.now())
      assert.equal((await listWebhookDeliveries(rig.service.store, view.id)).length, 1)
      await rig.service.refresh.deliveries.runOnce()
      let [delivery] = await listWebhookDeliveries(rig.service.store, view.id)
      assert.equal(delivery?.status, 'pending')
      assert.equal(delivery.last_status_code, 500)
      assert.ok((delivery.next_attempt_at ?? 0) > rig.now())
      receiver.status = 204
      await rig.advance(10 * 60_000)
      await rig.service.refresh.deliveries.runOnce()
      ;[delivery] = await listWebhookDeliveries(rig.service.store, view.id)
      assert.equal(delivery?.status, 'delivered')
      assert.equal(delivery.attempts, 2)
      assert.equal(receiver.received.length, 2)
      assert.ok(receiver.received.every((r) => r.verified))
      const [firstTry, secondTry] = receiver.received
      assert.ok(firstTry && secondTry)
      assert.equal(firstTry.event.type, 'account.connected')
      assert.equal(firstTry.body, secondTry.body, 'a retry resends the same event')

      // A dead endpoint: retried for a day, then given up, never blocking a refresh.
      receiver.status = 503
      await record(rig.service.store, { type: 'token.expiring', account }, rig.now())
      for (let hour = 0; hour < 26; hour++) {
        await rig.service.refresh.deliveries.runOnce()
        await rig.advance(3_600_000)
      }
      const dead = (await listWebhookDeliveries(rig.service.store, view.id)).find(
        (d) => d.event_type === 'token.expiring',
      )
      assert.ok(dead)
      assert.equal(dead.status, 'failed')
      assert.ok(dead.attempts > 5)

      const removed = await cli(['remove', view.id])
      assert.equal(removed.code, 0, removed.stderr)
      assert.equal((await api(`/${view.id}`, { method: 'DELETE' })).status, 404)
    } finally {
      await receiver.close()
    }
  })
})
