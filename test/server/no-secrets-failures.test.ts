// The log-secrecy promise on the paths the full-flow scan left out: a refresh Meta refuses (the
// token travels in the URL), an account turned needs_reauth, a wrong API key shaped like a real
// one, the short-lived token of the code exchange (seen only on the wire to Meta, so a proxy in
// front of the emulator records it), and a signed_request as Meta sends it, signed with the real
// secret. Every secret the run produced is searched for in every raw log line, at trace level.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { after, before, test } from 'node:test'
import { DEMO_APP } from '../../src/emulator/index.js'
import { encodeSignedRequest } from '../../src/meta/index.js'
import { answerConsent } from '../helpers/consent.js'
import { retryOnPortClash } from '../helpers/ports.js'
import { connectThroughBrowserless } from '../helpers/service.js'
import { BUSINESS_USER, DAY, startLiveRig } from '../refresh/rig.js'
import type { LiveRig } from '../refresh/rig.js'

let rig: LiveRig | undefined
let proxy: Server | undefined
const secrets = new Set<string>([DEMO_APP.instagramAppSecret, DEMO_APP.metaAppSecret])
/** Every access_token the proxy saw Meta's side answer with, in order. */
const onTheWire: string[] = []

/** Forwards to the emulator and keeps every access_token Meta's side answered with. */
async function recordingProxy(target: { url: string }): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length')
          headers.set(name, value)
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
      void fetch(`${target.url}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        redirect: 'manual',
        ...(body === undefined || req.method === 'GET' ? {} : { body }),
      }).then(async (answer) => {
        const text = await answer.text()
        for (const match of text.matchAll(/"access_token"\s*:\s*"([^"]+)"/g)) {
          if (match[1] !== undefined) {
            secrets.add(match[1])
            onTheWire.push(match[1])
          }
        }
        res.statusCode = answer.status
        answer.headers.forEach((value, name) => {
          if (name !== 'content-length' && name !== 'content-encoding') res.setHeader(name, value)
        })
        res.end(text)
      })
    })
  })
  proxy = server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
}

before(async () => {
  const target = { url: '' }
  const proxyUrl = await recordingProxy(target)
  rig = await retryOnPortClash(() =>
    startLiveRig({
      env: { IGTOKEN_LOG_LEVEL: 'trace' },
      metaUrl: (emulatorUrl) => {
        target.url = emulatorUrl
        return proxyUrl
      },
    }),
  )
  const key = await rig.apiKey()
  secrets.add(key)
  const auth = { authorization: `Bearer ${key}` }

  // Connect through the proxy: the short-lived and the long-lived token are recorded on the wire.
  const connected = await connectThroughBrowserless(rig.url, (u) => answerConsent(u, 'allow'))
  assert.equal(connected.response.status, 200)
  secrets.add(new URL(connected.callbackUrl).searchParams.get('code') ?? '')
  assert.ok(
    new Set(onTheWire).size >= 2,
    'the proxy saw the short-lived token of the exchange and the long-lived one',
  )

  const list = (await (await fetch(`${rig.url}/api/v1/accounts`, { headers: auth })).json()) as {
    data: { id: string }[]
  }
  const id = list.data[0]?.id ?? ''

  // A refresh Meta refuses with a 500: the failure is logged, the token in its URL is not.
  await rig.advance(2 * DAY)
  await rig.emulator.control.setFaults({
    rules: [{ match: { endpoint: 'ig.refresh_access_token' }, errorRate: 1 }],
  })
  const failed = await fetch(`${rig.url}/api/v1/accounts/${id}/refresh`, {
    method: 'POST',
    headers: auth,
  })
  assert.equal(failed.status, 502)
  await rig.emulator.control.clearFaults()

  // A wrong key shaped like a real one.
  const wrongKey = `igt_${randomBytes(24).toString('base64url')}`
  secrets.add(wrongKey)
  const refused = await fetch(`${rig.url}/api/v1/accounts`, {
    headers: { authorization: `Bearer ${wrongKey}` },
  })
  assert.equal(refused.status, 401)

  // needs_reauth: the person changes their password, then the token is refreshed and refused.
  await rig.emulator.control.changePassword({ userId: BUSINESS_USER })
  await rig.advance(2 * DAY)
  const dead = await fetch(`${rig.url}/api/v1/accounts/${id}/refresh`, {
    method: 'POST',
    headers: auth,
  })
  assert.equal(dead.status, 409)

  // A signed_request exactly as Meta sends it, signed with the real secret.
  const signed = encodeSignedRequest(
    {
      algorithm: 'HMAC-SHA256',
      issued_at: Math.floor(rig.now() / 1000),
      user_id: BUSINESS_USER,
    },
    DEMO_APP.instagramAppSecret,
  )
  secrets.add(signed)
  secrets.add(signed.split('.')[0] ?? '')
  const deauthorized = await fetch(`${rig.url}/meta/deauthorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `signed_request=${signed}`,
  })
  assert.ok(deauthorized.status < 500)
  secrets.delete('')
})

after(async () => {
  await rig?.close()
  const server = proxy
  if (server !== undefined) {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve()
      })
    })
  }
})

test('no log line of failed refreshes, needs_reauth, wrong keys, the short-lived token or a real signed_request holds a secret', () => {
  assert.ok(rig, 'the service started')
  const logs = rig.logs
  assert.ok(logs.length > 10, `a trace-level run logs plenty (${logs.length} lines)`)
  assert.ok(
    logs.some((l) => l.includes('/refresh')),
    `the refresh requests were logged:\n${logs.join('\n').slice(0, 3000)}`,
  )
  for (const line of logs) {
    for (const secret of secrets) {
      assert.ok(!line.includes(secret), `a log line leaks a secret: ${line.slice(0, 300)}`)
    }
  }
})
