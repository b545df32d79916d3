// Outbound webhooks never reach internal addresses unless an operator allows them, and the
// refusal comes before any connection. Every address used here is a loopback one or a fake
// resolver's answer: no traffic leaves this machine.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  DestinationAllowList,
  DestinationRefusedError,
  checkDestination,
  refusedAddress,
} from '../../src/broker/webhooks/destination.js'
import type { Resolver } from '../../src/broker/webhooks/destination.js'
import { WebhookDeliveryWorker } from '../../src/broker/webhooks/delivery-worker.js'
import {
  createWebhookSubscriber,
  enqueueWebhookDeliveries,
  listWebhookDeliveries,
} from '../../src/store/index.js'
import { startLiveRig } from '../refresh/rig.js'
import type { LiveRig } from '../refresh/rig.js'

const NONE = new DestinationAllowList()

function fakeResolver(answers: Record<string, string[]>): Resolver {
  return (hostname) => {
    const addresses = answers[hostname]
    if (addresses === undefined) return Promise.reject(new Error('ENOTFOUND'))
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    )
  }
}

describe('which addresses are internal', () => {
  test('loopback, private, link-local, unique-local, unspecified, multicast and mapped forms are refused', () => {
    const refused: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['::ffff:192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fd12:3456::1', 'unique-local'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
    ]
    for (const [address, reason] of refused) assert.equal(refusedAddress(address), reason, address)
    for (const address of ['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111']) {
      assert.equal(refusedAddress(address), undefined, address)
    }
  })

  test('URLs spelling loopback in other ways are refused before any lookup', async () => {
    let lookups = 0
    const counting: Resolver = (name) => {
      lookups++
      return fakeResolver({})(name)
    }
    const urls = [
      'http://127.0.0.1:9/x',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://0/',
      'http://[::1]:8080/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost/',
      'http://LOCALHOST./',
      'http://hooks.localhost/',
      'http://169.254.169.254/latest/meta-data',
      'https://10.0.0.8/hooks',
    ]
    for (const url of urls) {
      await assert.rejects(checkDestination(url, NONE, counting), DestinationRefusedError, url)
    }
    assert.equal(lookups, 0)
  })

  test('a name resolving to an internal address, or to a public and an internal one, is refused', async () => {
    const resolve = fakeResolver({
      'rebind.example': ['127.0.0.1'],
      'mixed.example': ['93.184.216.34', '10.0.0.1'],
      'public.example': ['93.184.216.34'],
    })
    await assert.rejects(checkDestination('https://rebind.example/h', NONE, resolve), {
      reason: 'loopback',
    })
    await assert.rejects(checkDestination('https://mixed.example/h', NONE, resolve), {
      reason: 'private',
    })
    await assert.rejects(checkDestination('https://nowhere.example/h', NONE, resolve), {
      reason: 'unresolvable',
    })
    const ok = await checkDestination('https://public.example/h', NONE, resolve)
    assert.equal(ok.address, '93.184.216.34')
  })

  test('the operator allow-list admits names, addresses and ranges on purpose', async () => {
    const resolve = fakeResolver({ 'hooks.internal': ['10.0.0.5'], 'other.internal': ['10.9.9.9'] })
    const allow = new DestinationAllowList(['hooks.internal', '127.0.0.1', '192.168.0.0/16'])
    assert.equal(
      (await checkDestination('http://hooks.internal/', allow, resolve)).address,
      '10.0.0.5',
    )
    assert.equal(
      (await checkDestination('http://127.0.0.1:1/', allow, resolve)).address,
      '127.0.0.1',
    )
    assert.equal(
      (await checkDestination('http://192.168.7.7/', allow, resolve)).address,
      '192.168.7.7',
    )
    await assert.rejects(checkDestination('http://other.internal/', allow, resolve), {
      reason: 'private',
    })
    await assert.rejects(checkDestination('http://127.0.0.2/', allow, resolve), {
      reason: 'loopback',
    })
  })
})

describe('the delivery worker checks every attempt before it connects', () => {
  let rig: LiveRig
  let server: Server
  let port = 0
  const connections: string[] = []
  before(async () => {
    rig = await startLiveRig()
    server = createServer((socket) => {
      connections.push(socket.remoteAddress ?? '')
      socket.once('data', (data: Buffer) => {
        connections.push(
          data
            .toString('latin1')
            .split('\r\n')
            .find((l) => /^host:/i.test(l)) ?? '',
        )
        socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    port = typeof address === 'object' && address !== null ? address.port : 0
  })
  after(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve()
      }),
    )
    await rig.close()
  })

  async function queue(url: string): Promise<string> {
    const subscriber = await createWebhookSubscriber(rig.service.store, rig.keyring, {
      url,
      secret: 'destination-test-secret',
      events: ['*'],
      now: rig.now(),
    })
    await enqueueWebhookDeliveries(rig.service.store, {
      eventType: 'account.connected',
      payload: '{"type":"account.connected"}',
      subscriberIds: [subscriber.id],
      now: rig.now(),
    })
    return subscriber.id
  }

  function worker(allow: DestinationAllowList, resolve?: Resolver): WebhookDeliveryWorker {
    return new WebhookDeliveryWorker(rig.service.store, rig.keyring, {
      owner: `test-${Math.random()}`,
      now: () => rig.now(),
      allow,
      ...(resolve === undefined ? {} : { resolve }),
    })
  }

  test('a loopback subscriber is refused with no connection made, and not retried', async () => {
    const before = connections.length
    const id = await queue(`http://127.0.0.1:${port}/hooks`)
    await worker(NONE).runOnce()
    const [delivery] = await listWebhookDeliveries(rig.service.store, id)
    assert.equal(delivery?.status, 'failed')
    assert.equal(delivery.last_status_code, null, 'no answer code to report: nothing was asked')
    assert.match(delivery.last_error ?? '', /refused: the destination is a loopback address/)
    assert.equal(connections.length, before, 'no connection reached the port')
  })

  test('DNS rebinding: a name that now resolves to loopback is refused before connecting', async () => {
    const before = connections.length
    const id = await queue(`http://rebind.example:${port}/hooks`)
    await worker(NONE, fakeResolver({ 'rebind.example': ['127.0.0.1'] })).runOnce()
    const [delivery] = await listWebhookDeliveries(rig.service.store, id)
    assert.equal(delivery?.status, 'failed')
    assert.equal(connections.length, before)
  })

  test('an allowed destination is reached at the address checked, whatever the name resolves to later', async () => {
    const before = connections.length
    const id = await queue(`http://pinned.test:${port}/hooks`)
    // Only the checked answer knows pinned.test; the system resolver would fail on it.
    await worker(
      new DestinationAllowList(['127.0.0.1']),
      fakeResolver({ 'pinned.test': ['127.0.0.1'] }),
    ).runOnce()
    const [delivery] = await listWebhookDeliveries(rig.service.store, id)
    assert.equal(delivery?.status, 'delivered', delivery?.last_error ?? '')
    assert.equal(connections.length, before + 2)
    assert.equal(connections.at(-1)?.toLowerCase(), `host: pinned.test:${port}`)
  })
})
