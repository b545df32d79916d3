import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config.js'
import { startTestService } from '../helpers/service.js'
import type { TestService } from '../helpers/service.js'

const PASSWORD = 'correct horse battery staple'
const REAL_CLIENT = '203.0.113.7'

/** Posts 40 wrong passwords, each with its own X-Forwarded-For; returns the statuses. */
async function wrongPasswords(svc: TestService, forwardedFor: (i: number) => string) {
  const form = await fetch(`${svc.url}/dashboard/sign-in`)
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  const statuses: number[] = []
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${svc.url}/dashboard/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': forwardedFor(i),
      },
      body: new URLSearchParams({ _csrf: csrf, password: `wrong guess ${i}` }).toString(),
    })
    await res.arrayBuffer()
    statuses.push(res.status)
  }
  return statuses
}

/** The client addresses the service logged for sign-in posts (a second, independent view). */
function loggedAddresses(svc: TestService): Set<string> {
  const addresses = new Set<string>()
  for (const line of svc.logs) {
    const entry = JSON.parse(line) as { req?: { method?: string; url?: string; ip?: string } }
    if (entry.req?.method === 'POST' && entry.req.url === '/dashboard/sign-in') {
      addresses.add(entry.req.ip ?? '')
    }
  }
  return addresses
}

describe('IGTOKEN_TRUST_PROXY', () => {
  describe('a hop count: the rightmost address no trusted proxy wrote is the client', () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({ IGTOKEN_TRUST_PROXY: '1', IGTOKEN_ADMIN_PASSWORD: PASSWORD })
    })
    after(async () => {
      await svc.close()
    })

    test('40 wrong passwords with rotating X-Forwarded-For in front of the real client hit 429', async () => {
      const statuses = await wrongPasswords(svc, (i) => `198.51.100.${i}, ${REAL_CLIENT}`)
      assert.equal(statuses[0], 401)
      assert.ok(statuses.includes(429), `a 429 among ${statuses.join(',')}`)
      assert.deepEqual(loggedAddresses(svc), new Set([REAL_CLIENT]))
    })
  })

  describe('the default (false): X-Forwarded-For is ignored', () => {
    let svc: TestService
    before(async () => {
      svc = await startTestService({ IGTOKEN_ADMIN_PASSWORD: PASSWORD })
    })
    after(async () => {
      await svc.close()
    })

    test('rotating X-Forwarded-For values change nothing: the peer address is limited', async () => {
      const statuses = await wrongPasswords(svc, (i) => `198.51.100.${i}`)
      assert.ok(statuses.includes(429), `a 429 among ${statuses.join(',')}`)
      assert.deepEqual(loggedAddresses(svc), new Set(['127.0.0.1']))
    })
  })

  describe('parsing', () => {
    const load = (value: string) =>
      loadConfig({ IGTOKEN_TRUST_PROXY: value }, { envFile: false }).trustProxy

    test('false, a hop count or a list of addresses/CIDRs', () => {
      assert.equal(load('false'), false)
      assert.equal(load('0'), false)
      assert.equal(load('2'), 2)
      assert.deepEqual(load('10.0.0.1, 10.1.0.0/16,::1,fd00::/8 loopback'), [
        '10.0.0.1',
        '10.1.0.0/16',
        '::1',
        'fd00::/8',
        'loopback',
      ])
    })

    test('true is refused with one line naming the variable and the fix', () => {
      for (const bad of ['true', '10.0.0.1,proxy.example', '10.0.0.0/33']) {
        assert.throws(
          () => load(bad),
          (error: unknown) => {
            assert.ok(error instanceof ConfigError)
            assert.equal(error.variable, 'IGTOKEN_TRUST_PROXY')
            assert.match(error.message, /^IGTOKEN_TRUST_PROXY: /)
            assert.match(error.message, /hop count|number of proxies/)
            assert.ok(!error.message.includes('\n'))
            return true
          },
          bad,
        )
      }
    })
  })
})
