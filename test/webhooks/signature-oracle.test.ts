// The webhook signature judged by something other than the code that makes it: an HMAC computed
// here with node:crypto from the format docs/webhooks.md states, and the docs' own receiver
// snippet, run as written, answering real deliveries.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { record } from '../../src/broker/effects/index.js'
import { nextDeliveryAttemptAt } from '../../src/broker/webhooks/index.js'
import { getAccount, listWebhookDeliveries } from '../../src/store/index.js'
import { freePort } from '../helpers/ports.js'
import { DAY, startLiveRig } from '../refresh/rig.js'
import type { LiveRig } from '../refresh/rig.js'

const SECRET = 'oracle-secret-0123456789abcdef'
const DOCS = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8')

interface Raw {
  readonly body: string
  readonly headers: IncomingHttpHeaders
}

async function rawReceiver(statuses: number[]): Promise<{
  url: string
  received: Raw[]
  close(): Promise<void>
}> {
  const received: Raw[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers })
      res.statusCode = statuses[received.length - 1] ?? 204
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** The documented signature, computed without any of igtoken's code. */
function documentedSignature(secret: string, header: string, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)
  assert.ok(match, `header has the documented form: ${header}`)
  const expected = createHmac('sha256', secret).update(`${match[1]}.${body}`).digest('hex')
  return expected === match[2]
}

describe('webhook signatures checked independently of src', () => {
  let rig: LiveRig
  let key: string
  before(async () => {
    rig = await startLiveRig()
    key = await rig.apiKey()
  })
  after(async () => {
    await rig.close()
  })

  async function subscribe(url: string, secret: string): Promise<string> {
    const res = await fetch(`${rig.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url, secret, events: ['account.connected'] }),
    })
    assert.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { id: string }).id
  }

  async function unsubscribe(id: string): Promise<void> {
    const res = await fetch(`${rig.url}/api/v1/webhooks/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}` },
    })
    assert.ok(res.ok)
  }

  async function connectEvent(accountId: string): Promise<void> {
    const account = await getAccount(rig.service.store, accountId)
    assert.ok(account)
    await record(rig.service.store, { type: 'account.connected', account }, rig.now())
  }

  test('a real delivery carries HMAC-SHA256(secret, "<t>.<raw body>") and the same delivery id on every retry', async () => {
    const receiver = await rawReceiver([500, 204])
    const id = await subscribe(receiver.url, SECRET)
    try {
      const [accountId] = await rig.seed(1)
      await connectEvent(accountId ?? '')
      await rig.service.refresh.deliveries.runOnce()
      const [pending] = await listWebhookDeliveries(rig.service.store, id)
      assert.equal(pending?.status, 'pending')
      // The documented first retry: 30 s, plus at most half again of jitter.
      const wait = (pending.next_attempt_at ?? 0) - rig.now()
      assert.ok(wait >= 29_000 && wait <= 45_000, `first retry in ${wait} ms`)
      await rig.advance(46_000)
      await rig.service.refresh.deliveries.runOnce()
      assert.equal(receiver.received.length, 2)
      const [first, second] = receiver.received
      assert.ok(first && second)
      for (const r of [first, second]) {
        const header = r.headers['x-igtoken-signature']
        assert.equal(typeof header, 'string')
        assert.ok(documentedSignature(SECRET, String(header), r.body))
        assert.equal(documentedSignature(`${SECRET}x`, String(header), r.body), false)
        assert.equal(r.headers['x-igtoken-event'], 'account.connected')
      }
      assert.equal(first.headers['x-igtoken-delivery'], second.headers['x-igtoken-delivery'])
      assert.match(String(first.headers['x-igtoken-delivery']), /^dlv_/)
      assert.equal(first.body, second.body)
      const event = JSON.parse(first.body) as Record<string, unknown>
      assert.deepEqual(Object.keys(event).sort(), ['account', 'created_at', 'data', 'id', 'type'])
      const [delivered] = await listWebhookDeliveries(rig.service.store, id)
      assert.equal(delivered?.status, 'delivered')
    } finally {
      await unsubscribe(id)
      await receiver.close()
    }
  })

  test("the docs' Node.js receiver, run as written, accepts a real delivery and refuses one signed with another secret", async () => {
    const snippet = /Node\.js, no dependencies:\n\n```js\n([\s\S]*?)```/.exec(DOCS)?.[1]
    assert.ok(snippet, 'docs/webhooks.md has the receiver snippet')
    assert.match(snippet, /\.listen\(3000\)/)
    const port = await freePort()
    // The only change: where it listens (a free loopback port instead of 3000).
    const file = join(rig.dataDir, 'receiver.mjs')
    writeFileSync(file, snippet.replace('.listen(3000)', `.listen(${port}, '127.0.0.1')`))
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, IGTOKEN_HOOK_SECRET: SECRET },
      stdio: 'ignore',
    })
    const good = await subscribe(`http://127.0.0.1:${port}/`, SECRET)
    // Another URL on the same receiver: one subscriber per URL.
    const wrong = await subscribe(`http://127.0.0.1:${port}/?other`, `${SECRET}-not-the-receivers`)
    try {
      for (let i = 0; i < 100; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).catch(
          () => undefined,
        )
        if (up !== undefined) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const [accountId] = await rig.seed(1)
      await connectEvent(accountId ?? '')
      await rig.service.refresh.deliveries.runOnce()
      const [accepted] = await listWebhookDeliveries(rig.service.store, good)
      assert.equal(accepted?.status, 'delivered')
      assert.equal(accepted.last_status_code, 204)
      const [refused] = await listWebhookDeliveries(rig.service.store, wrong)
      assert.equal(refused?.status, 'pending')
      assert.equal(refused.last_status_code, 401)
    } finally {
      child.kill()
      await unsubscribe(good)
      await unsubscribe(wrong)
    }
  })
})

describe('delivery backoff as docs/webhooks.md states it', () => {
  test('30 s, doubling, at most half again of jitter, never more than an hour apart, given up after the window', () => {
    assert.equal(nextDeliveryAttemptAt(1, 0, 0, 0, DAY), 30_000)
    assert.equal(nextDeliveryAttemptAt(1, 0, 0, 0.999_999, DAY), 45_000)
    assert.equal(nextDeliveryAttemptAt(2, 0, 0, 0, DAY), 60_000)
    assert.equal(nextDeliveryAttemptAt(3, 0, 0, 0, DAY), 120_000)
    for (const attempts of [8, 12, 40]) {
      assert.equal(nextDeliveryAttemptAt(attempts, 0, 0, 0.999_999, DAY), 3_600_000)
    }
    assert.equal(nextDeliveryAttemptAt(5, 0, DAY - 1000, 0, DAY), null)
  })
})
