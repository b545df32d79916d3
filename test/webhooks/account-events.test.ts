import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { answerConsent } from '../helpers/consent.js'
import { connectThroughBrowserless, startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'
import { startReceiver } from '../refresh/rig.js'
import type { Receiver } from '../refresh/rig.js'

const SECRET = 'account-events-secret-0123456789'
let svc: TestService
let receiver: Receiver
let key: string

before(async () => {
  svc = await startTestService({ IGTOKEN_REFRESH_ENABLED: 'false' })
  receiver = await startReceiver(SECRET, () => svc.now())
  key = await svc.apiKey()
})
after(async () => {
  await receiver.close()
  await svc.close()
})

async function accountIdOf(userId: string): Promise<string> {
  const res = await fetch(`${svc.url}/api/v1/accounts`, {
    headers: { authorization: `Bearer ${key}` },
  })
  const list = (await res.json()) as { data: { id: string; user_id: string }[] }
  const account = list.data.find((a) => a.user_id === userId)
  assert.ok(account)
  return account.id
}

test('connected, deleted and revoked accounts each send one signed webhook without a token', async () => {
  const add = await fetch(`${svc.url}/api/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, secret: SECRET }),
  })
  assert.equal(add.status, 201)

  for (const userId of ['17841405793187218', '17841405822304914']) {
    const res = await connectThroughBrowserless(svc.url, (u) =>
      answerConsent(u, 'allow', { userId }),
    )
    assert.equal(res.response.status, 200)
  }
  const business = await accountIdOf('17841405793187218')
  const creator = await accountIdOf('17841405822304914')
  const tokenRes = await fetch(`${svc.url}/api/v1/accounts/${business}/token`, {
    headers: { authorization: `Bearer ${key}` },
  })
  const { access_token: token } = (await tokenRes.json()) as { access_token: string }

  const del = await fetch(`${svc.url}/api/v1/accounts/${business}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${key}` },
  })
  assert.equal(del.status, 204)
  await svc.control.revoke({ userId: '17841405822304914', appId: DEMO_APP.instagramAppId })
  await svc.service.refresh.deliveries.runOnce()

  const seen = receiver.received.map((r) => `${r.event.type}:${r.event.account.id}`).sort()
  assert.deepEqual(
    seen,
    [
      `account.connected:${business}`,
      `account.connected:${creator}`,
      `account.deleted:${business}`,
      `account.revoked:${creator}`,
    ].sort(),
  )
  assert.ok(receiver.received.every((r) => r.verified))
  assert.ok(receiver.received.every((r) => !r.body.includes(token)))
})
