// What docs/webhooks.md promises about bad receivers: a redirect is not followed, a silent one is
// given up on after the timeout, and neither holds up a refresh.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server, ServerResponse } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { WebhookDeliveryWorker } from '../../src/broker/webhooks/delivery-worker.js'
import { DestinationAllowList } from '../../src/broker/webhooks/destination.js'
import {
  createWebhookSubscriber,
  enqueueWebhookDeliveries,
  getTokenById,
  listTokensForAccount,
  listWebhookDeliveries,
} from '../../src/store/index.js'
import { startLiveRig } from '../refresh/rig.js'
import type { LiveRig } from '../refresh/rig.js'

interface Listener {
  readonly url: string
  readonly hits: string[]
  close(): Promise<void>
}

async function listen(handler: (res: ServerResponse) => void): Promise<Listener> {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '')
    req.resume()
    handler(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

describe('deliveries to receivers that misbehave', () => {
  let rig: LiveRig
  before(async () => {
    rig = await startLiveRig()
  })
  after(async () => {
    await rig.close()
  })

  async function queue(url: string): Promise<string> {
    const subscriber = await createWebhookSubscriber(rig.service.store, rig.keyring, {
      url,
      secret: 'faults-test-secret-0123',
      events: ['*'],
      now: rig.now(),
    })
    await enqueueWebhookDeliveries(rig.service.store, {
      eventType: 'token.refreshed',
      payload: '{"type":"token.refreshed"}',
      subscriberIds: [subscriber.id],
      now: rig.now(),
    })
    return subscriber.id
  }

  function worker(timeoutMs: number): WebhookDeliveryWorker {
    return new WebhookDeliveryWorker(rig.service.store, rig.keyring, {
      owner: `faults-${Math.random()}`,
      now: () => rig.now(),
      timeoutMs,
      allow: new DestinationAllowList(['127.0.0.1']),
    })
  }

  test('a redirect is not followed: the signed body never reaches the Location', async () => {
    const elsewhere = await listen((res) => res.end())
    const redirecting = await listen((res) => {
      res.statusCode = 307
      res.setHeader('location', `${elsewhere.url}/stolen`)
      res.end()
    })
    try {
      const id = await queue(`${redirecting.url}/hooks`)
      await worker(5_000).runOnce()
      const [delivery] = await listWebhookDeliveries(rig.service.store, id)
      assert.equal(delivery?.status, 'pending', 'a 3xx is not a delivery')
      assert.equal(delivery.last_status_code, 307)
      assert.deepEqual(redirecting.hits, ['/hooks'])
      assert.deepEqual(elsewhere.hits, [], 'nothing went to the redirect target')
    } finally {
      await redirecting.close()
      await elsewhere.close()
    }
  })

  test('a receiver that never answers is given up on after the timeout, and retried later', async () => {
    const silent = await listen(() => undefined)
    try {
      const id = await queue(`${silent.url}/hooks`)
      const started = Date.now()
      await worker(300).runOnce()
      const took = Date.now() - started
      const [delivery] = await listWebhookDeliveries(rig.service.store, id)
      assert.equal(delivery?.status, 'pending')
      assert.equal(delivery.last_error, 'no answer in time')
      assert.ok((delivery.next_attempt_at ?? 0) > rig.now(), 'scheduled again')
      assert.ok(took < 5_000, `the attempt ended after the timeout (${took} ms)`)
    } finally {
      await silent.close()
    }
  })

  test('a dead endpoint never delays a refresh: the engine finishes while a delivery hangs', async () => {
    const silent = await listen(() => undefined)
    try {
      await queue(`${silent.url}/hooks`)
      const [accountId] = await rig.seed(1, { dueNow: true })
      const [before] = await listTokensForAccount(rig.service.store, accountId ?? '')
      assert.ok(before)
      // A delivery round that will hang for 20 s on the silent receiver…
      const hanging = worker(20_000).runOnce()
      let deliveryDone = false
      void hanging.then(() => (deliveryDone = true))
      await rig.advance(2 * 86_400_000)
      // …and the refresh engine, beside it, refreshes the due token and returns.
      const round = await rig.service.refresh.engine.runOnce()
      assert.equal(deliveryDone, false, 'the delivery was still hanging')
      const afterwards = await getTokenById(rig.service.store, before.id)
      assert.ok(afterwards && afterwards.version > before.version, JSON.stringify(round))
      await silent.close()
      await hanging
    } finally {
      await silent.close()
    }
  })
})
